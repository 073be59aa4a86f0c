CREATE TABLE "satellites" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"location" text,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"token_hash" text NOT NULL,
	"online" boolean DEFAULT false NOT NULL,
	"last_seen_at" timestamp with time zone,
	"version" text,
	"backlog" integer DEFAULT 0 NOT NULL,
	"dropped" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "quorum" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "satellites_name_key" ON "satellites" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "satellites_token_hash_key" ON "satellites" USING btree ("token_hash");