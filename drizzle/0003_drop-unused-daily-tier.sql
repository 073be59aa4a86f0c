DROP TABLE "run_daily" CASCADE;--> statement-breakpoint
ALTER TABLE "health_states" DROP COLUMN "success_rate";