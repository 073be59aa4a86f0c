ALTER TABLE "run_daily" DROP CONSTRAINT "run_daily_system_id_systems_id_fk";
--> statement-breakpoint
ALTER TABLE "run_daily" DROP CONSTRAINT "run_daily_configuration_id_configurations_id_fk";
--> statement-breakpoint
ALTER TABLE "run_hourly" DROP CONSTRAINT "run_hourly_system_id_systems_id_fk";
--> statement-breakpoint
ALTER TABLE "run_hourly" DROP CONSTRAINT "run_hourly_configuration_id_configurations_id_fk";
--> statement-breakpoint
ALTER TABLE "runs" DROP CONSTRAINT "runs_system_id_systems_id_fk";
--> statement-breakpoint
ALTER TABLE "runs" DROP CONSTRAINT "runs_configuration_id_configurations_id_fk";
