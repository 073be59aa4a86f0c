CREATE TABLE "automation_action_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"execution_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"type" text NOT NULL,
	"input" jsonb NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"attempt_log" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"output" jsonb,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "automation_action_runs_position_key" UNIQUE("execution_id","position")
);
--> statement-breakpoint
CREATE TABLE "automation_cursor" (
	"name" text PRIMARY KEY NOT NULL,
	"until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automation_episodes" (
	"rule_id" uuid NOT NULL,
	"partition" text NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "automation_episodes_rule_id_partition_pk" PRIMARY KEY("rule_id","partition")
);
--> statement-breakpoint
CREATE TABLE "automation_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rule_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"partition" text NOT NULL,
	"gates" jsonb NOT NULL,
	"state" text NOT NULL,
	"reason" text,
	"due_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fired_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "automation_executions_once_key" UNIQUE("rule_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "automation_incidents" (
	"rule_id" uuid NOT NULL,
	"partition" text NOT NULL,
	"incident_id" uuid NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "automation_incidents_rule_id_partition_pk" PRIMARY KEY("rule_id","partition")
);
--> statement-breakpoint
CREATE TABLE "automation_matches" (
	"rule_id" uuid NOT NULL,
	"partition" text NOT NULL,
	"event_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "automation_matches_rule_id_event_id_pk" PRIMARY KEY("rule_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "automation_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"trigger" text NOT NULL,
	"filter" text,
	"window" jsonb,
	"for_text" text,
	"for_ms" integer,
	"actions" jsonb NOT NULL,
	"enabled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "automation_action_runs" ADD CONSTRAINT "automation_action_runs_execution_id_automation_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."automation_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_episodes" ADD CONSTRAINT "automation_episodes_rule_id_automation_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."automation_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_executions" ADD CONSTRAINT "automation_executions_rule_id_automation_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."automation_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_incidents" ADD CONSTRAINT "automation_incidents_rule_id_automation_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."automation_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_matches" ADD CONSTRAINT "automation_matches_rule_id_automation_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."automation_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "automation_action_runs_due_idx" ON "automation_action_runs" USING btree ("next_attempt_at") WHERE state IN ('pending', 'running');--> statement-breakpoint
CREATE INDEX "automation_executions_rule_idx" ON "automation_executions" USING btree ("rule_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "automation_executions_waiting_key" ON "automation_executions" USING btree ("rule_id","partition") WHERE state = 'waiting';--> statement-breakpoint
CREATE INDEX "automation_executions_due_idx" ON "automation_executions" USING btree ("due_at") WHERE state = 'waiting';--> statement-breakpoint
CREATE INDEX "automation_matches_window_idx" ON "automation_matches" USING btree ("rule_id","partition","at");--> statement-breakpoint
CREATE UNIQUE INDEX "automation_rules_name_key" ON "automation_rules" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "automation_rules_trigger_idx" ON "automation_rules" USING btree ("trigger") WHERE enabled;