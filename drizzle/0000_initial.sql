CREATE TABLE "environments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "group_systems" (
	"group_id" uuid NOT NULL,
	"system_id" uuid NOT NULL,
	CONSTRAINT "group_systems_group_id_system_id_pk" PRIMARY KEY("group_id","system_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "system_environments" (
	"system_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "system_environments_system_id_environment_id_pk" PRIMARY KEY("system_id","environment_id")
);
--> statement-breakpoint
CREATE TABLE "systems" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"public" boolean DEFAULT false NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"system_id" uuid NOT NULL,
	"configuration_id" uuid NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"include_local" boolean DEFAULT true NOT NULL,
	"satellite_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"environment_ids" jsonb,
	"state_thresholds" jsonb,
	"retention" jsonb,
	"notification_policy" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "configurations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"strategy" text NOT NULL,
	"config" jsonb NOT NULL,
	"assertions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"collectors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"interval_seconds" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "health_states" (
	"entity_id" text NOT NULL,
	"system_id" uuid NOT NULL,
	"environment_id" text,
	"status" text NOT NULL,
	"healthy_checks" integer NOT NULL,
	"total_checks" integer NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	"success_rate" double precision,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "health_states_entity_id_pk" PRIMARY KEY("entity_id")
);
--> statement-breakpoint
CREATE TABLE "run_daily" (
	"system_id" uuid NOT NULL,
	"configuration_id" uuid NOT NULL,
	"environment_id" uuid,
	"source" text DEFAULT 'Local' NOT NULL,
	"run_count" integer DEFAULT 0 NOT NULL,
	"healthy_count" integer DEFAULT 0 NOT NULL,
	"degraded_count" integer DEFAULT 0 NOT NULL,
	"unhealthy_count" integer DEFAULT 0 NOT NULL,
	"latency_count" integer DEFAULT 0 NOT NULL,
	"latency_sum" bigint DEFAULT 0 NOT NULL,
	"latency_min" integer,
	"latency_max" integer,
	"latency_sketch" jsonb,
	"collectors" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"day" timestamp with time zone NOT NULL,
	CONSTRAINT "run_daily_bucket_key" UNIQUE NULLS NOT DISTINCT("configuration_id","system_id","environment_id","source","day")
);
--> statement-breakpoint
CREATE TABLE "run_hourly" (
	"system_id" uuid NOT NULL,
	"configuration_id" uuid NOT NULL,
	"environment_id" uuid,
	"source" text DEFAULT 'Local' NOT NULL,
	"run_count" integer DEFAULT 0 NOT NULL,
	"healthy_count" integer DEFAULT 0 NOT NULL,
	"degraded_count" integer DEFAULT 0 NOT NULL,
	"unhealthy_count" integer DEFAULT 0 NOT NULL,
	"latency_count" integer DEFAULT 0 NOT NULL,
	"latency_sum" bigint DEFAULT 0 NOT NULL,
	"latency_min" integer,
	"latency_max" integer,
	"latency_sketch" jsonb,
	"collectors" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	CONSTRAINT "run_hourly_bucket_key" UNIQUE NULLS NOT DISTINCT("configuration_id","system_id","environment_id","source","hour")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"system_id" uuid NOT NULL,
	"configuration_id" uuid NOT NULL,
	"environment_id" uuid,
	"source" text DEFAULT 'Local' NOT NULL,
	"status" text NOT NULL,
	"latency_ms" integer,
	"message" text DEFAULT '' NOT NULL,
	"result" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runs_tick_key" UNIQUE NULLS NOT DISTINCT("configuration_id","system_id","environment_id","source","scheduled_for")
);
--> statement-breakpoint
CREATE TABLE "stream_states" (
	"system_id" uuid NOT NULL,
	"configuration_id" uuid NOT NULL,
	"environment_id" uuid,
	"source" text NOT NULL,
	"recent" text NOT NULL,
	"last_run_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stream_states_stream_key" UNIQUE NULLS NOT DISTINCT("system_id","configuration_id","environment_id","source")
);
--> statement-breakpoint
CREATE TABLE "transitions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"system_id" uuid NOT NULL,
	"configuration_id" uuid,
	"environment_id" uuid,
	"from_status" text,
	"to_status" text NOT NULL,
	"transitioned_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "group_systems" ADD CONSTRAINT "group_systems_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_systems" ADD CONSTRAINT "group_systems_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_environments" ADD CONSTRAINT "system_environments_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_environments" ADD CONSTRAINT "system_environments_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_configuration_id_configurations_id_fk" FOREIGN KEY ("configuration_id") REFERENCES "public"."configurations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_states" ADD CONSTRAINT "health_states_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_daily" ADD CONSTRAINT "run_daily_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_daily" ADD CONSTRAINT "run_daily_configuration_id_configurations_id_fk" FOREIGN KEY ("configuration_id") REFERENCES "public"."configurations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_hourly" ADD CONSTRAINT "run_hourly_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_hourly" ADD CONSTRAINT "run_hourly_configuration_id_configurations_id_fk" FOREIGN KEY ("configuration_id") REFERENCES "public"."configurations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_configuration_id_configurations_id_fk" FOREIGN KEY ("configuration_id") REFERENCES "public"."configurations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stream_states" ADD CONSTRAINT "stream_states_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stream_states" ADD CONSTRAINT "stream_states_configuration_id_configurations_id_fk" FOREIGN KEY ("configuration_id") REFERENCES "public"."configurations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transitions" ADD CONSTRAINT "transitions_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transitions" ADD CONSTRAINT "transitions_configuration_id_configurations_id_fk" FOREIGN KEY ("configuration_id") REFERENCES "public"."configurations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "environments_name_key" ON "environments" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "group_systems_system_idx" ON "group_systems" USING btree ("system_id");--> statement-breakpoint
CREATE UNIQUE INDEX "groups_name_key" ON "groups" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "system_environments_environment_idx" ON "system_environments" USING btree ("environment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "systems_name_key" ON "systems" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_system_configuration_key" ON "assignments" USING btree ("system_id","configuration_id");--> statement-breakpoint
CREATE INDEX "assignments_configuration_idx" ON "assignments" USING btree ("configuration_id");--> statement-breakpoint
CREATE UNIQUE INDEX "configurations_name_key" ON "configurations" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "configurations_strategy_idx" ON "configurations" USING btree ("strategy");--> statement-breakpoint
CREATE INDEX "health_states_system_idx" ON "health_states" USING btree ("system_id");--> statement-breakpoint
CREATE INDEX "runs_stream_idx" ON "runs" USING btree ("configuration_id","system_id","created_at");--> statement-breakpoint
CREATE INDEX "runs_system_created_idx" ON "runs" USING btree ("system_id","created_at");--> statement-breakpoint
CREATE INDEX "transitions_system_idx" ON "transitions" USING btree ("system_id","transitioned_at");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("seq") WHERE delivered_at IS NULL;