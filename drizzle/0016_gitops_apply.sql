CREATE TABLE "applied_resources" (
	"kind" text NOT NULL,
	"resource_id" text NOT NULL,
	"name" text NOT NULL,
	"managed_by" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "applied_resources_kind_resource_id_pk" PRIMARY KEY("kind","resource_id")
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "change_set" uuid;--> statement-breakpoint
CREATE INDEX "audit_log_change_set_idx" ON "audit_log" USING btree ("change_set");