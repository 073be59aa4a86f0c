CREATE TABLE "heartbeats" (
	"assignment_id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"token_sealed" jsonb NOT NULL,
	"started_at" timestamp with time zone,
	"last_ping_at" timestamp with time zone,
	"last_late_for" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "heartbeats" ADD CONSTRAINT "heartbeats_assignment_id_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."assignments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "heartbeats_token_hash_key" ON "heartbeats" USING btree ("token_hash");