CREATE TABLE "outbox_consumed" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_consumed_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE INDEX "outbox_consumed_at_idx" ON "outbox_consumed" USING btree ("at");