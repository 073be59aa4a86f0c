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
CREATE TABLE "history_jobs" (
	"job" text PRIMARY KEY NOT NULL,
	"last_finished_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "run_daily" ADD CONSTRAINT "run_daily_system_id_systems_id_fk" FOREIGN KEY ("system_id") REFERENCES "public"."systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_daily" ADD CONSTRAINT "run_daily_configuration_id_configurations_id_fk" FOREIGN KEY ("configuration_id") REFERENCES "public"."configurations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_daily_system_day_idx" ON "run_daily" USING btree ("system_id","day");--> statement-breakpoint
CREATE INDEX "run_hourly_system_hour_idx" ON "run_hourly" USING btree ("system_id","hour");--> statement-breakpoint
-- Adds two flat {key: count} documents key by key: latency sketches (SPEC §5.1) merge this way.
CREATE OR REPLACE FUNCTION vigil_add_sketches(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}'::jsonb)
  FROM (SELECT jsonb_object_keys(coalesce(a, '{}'::jsonb)) UNION SELECT jsonb_object_keys(coalesce(b, '{}'::jsonb))) AS keys(k)
$$;
--> statement-breakpoint
-- Aggregates over many buckets: merged sketches, and merged per-collector counts.
CREATE OR REPLACE AGGREGATE vigil_sum_sketches(jsonb) (SFUNC = vigil_add_sketches, STYPE = jsonb, INITCOND = '{}');
--> statement-breakpoint
CREATE OR REPLACE AGGREGATE vigil_sum_counts(jsonb) (SFUNC = vigil_merge_counts, STYPE = jsonb, INITCOND = '{}');
