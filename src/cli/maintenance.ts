import type { Command } from 'commander';
import { openDatabase } from '../db/database.ts';
import { RetentionJob, type RetentionReport } from '../history/retention.ts';
import type { Logger } from '../kernel/log.ts';
import { loadSettings, retentionDays, type Settings } from '../settings.ts';
import { refuseWhileRunning } from './secrets.ts';

/**
 * `vigil maintenance retention [--dry-run]`: the daily retention job (SPEC §5.2) now, or what it
 * would delete. It takes the same lock as the job in a running Vigil, so both never run at once.
 */
export function registerMaintenanceCommand(program: Command, logFor: (settings: Settings) => Logger): Command {
  const maintenance = program.command('maintenance').description('database upkeep');
  maintenance
    .command('retention')
    .description('apply tiered history retention now (raw runs, hourly and daily buckets past their days, per assignment), or say what it would delete')
    .option('--dry-run', 'count what would be deleted and merged; change nothing')
    .option('--data-dir <dir>', 'the data directory (default ./data, or VIGIL_DATA_DIR)')
    .action(async (flags: { dryRun?: boolean; dataDir?: string }) => {
      try {
        const settings = loadSettings(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir });
        const log = logFor(settings);
        if (settings.databaseUrl === undefined) refuseWhileRunning(settings.dataDir, 'running maintenance (or use DATABASE_URL)');
        const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, log });
        try {
          const job = new RetentionJob(database.pool, database.lockPool, { platform: retentionDays(settings), log });
          console.log(describe(await job.run({ dryRun: flags.dryRun ?? false, force: true })));
        } finally {
          await database.close();
        }
      } catch (error) {
        console.error(`vigil maintenance retention: ${(error as Error).message}`);
        process.exitCode = 1;
      }
    });
  return maintenance;
}

function describe(report: RetentionReport): string {
  if (!report.ran) return `Retention did not run: ${report.skipped}`;
  const verb = report.dryRun ? 'would' : 'did';
  const lines = [
    `Retention ${report.dryRun ? '(dry run) ' : ''}over ${report.streams} checks ${verb}:`,
    `  delete ${report.runsDeleted} raw runs`,
    `  delete ${report.hoursDeleted} hourly buckets (their runs stay in the daily ones)`,
    `  delete ${report.daysDeleted} daily buckets`,
    `  delete ${report.transitionsDeleted} transitions`,
  ];
  for (const error of report.errors) lines.push(`  error for system ${error.systemId}${error.configurationId ? ` / configuration ${error.configurationId}` : ''}: ${error.message}`);
  return lines.join('\n');
}
