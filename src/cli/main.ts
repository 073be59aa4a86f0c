import { setFlagsFromString } from 'node:v8';
import { Command, InvalidArgumentError } from 'commander';
import { EmbeddedPostgres } from '../db/embedded.ts';
import { StartError } from '../kernel/errors.ts';
import { createLogger } from '../kernel/log.ts';
import { SettingsError, loadSettings, roles } from '../settings.ts';

const program = new Command()
  .name('vigil')
  .description('Vigil: health checks, status and history for the systems you run')
  .showHelpAfterError();

program
  .command('start')
  .description('run the API, scheduler and workers (the embedded PostgreSQL unless DATABASE_URL is set)')
  .option('--role <role>', `which part to run: ${roles.join(', ')}`, (value) => {
    if (!(roles as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${roles.join(', ')}`);
    return value;
  })
  .option('--host <host>', 'address to listen on (default 127.0.0.1, or VIGIL_HOST)')
  .option('--port <port>', 'port to listen on (default 8080, or PORT; 0 picks a free one)')
  .option('--data-dir <dir>', 'where the embedded PostgreSQL keeps its files (default ./data, or VIGIL_DATA_DIR)')
  .option('--config-dir <dir>', 'YAML configuration documents to apply at start and whenever they change (or VIGIL_CONFIG_DIR)')
  .action(async (flags: { role?: string; host?: string; port?: string; dataDir?: string; configDir?: string }) => {
    boundHeapGrowth();
    let settings;
    try {
      settings = loadSettings(flags);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      console.error(`vigil: ${error.message}`);
      process.exit(64);
    }
    const log = createLogger({ level: settings.logLevel, format: settings.logFormat });
    try {
      // The embedded PostgreSQL starts in its own process while the rest of Vigil loads in this one.
      const embedded = settings.databaseUrl ? undefined : new EmbeddedPostgres({ dataDir: settings.dataDir, log });
      const [loading, starting] = await Promise.allSettled([import('../app.ts'), embedded?.start()]);
      if (loading.status === 'rejected' || starting.status === 'rejected') {
        await embedded?.stop();
        throw loading.status === 'rejected' ? loading.reason : (starting as PromiseRejectedResult).reason;
      }
      const app = await loading.value.startApp(settings, log, { embedded }).catch(async (error: unknown) => {
        await embedded?.stop();
        throw error;
      });
      if (app.url) console.log(`Vigil listening on ${app.url}`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'Shutting down');
        app.close().then(
          () => process.exit(0),
          (error: unknown) => {
            log.error({ err: error }, 'Shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    } catch (error) {
      if (error instanceof StartError) {
        log.flush?.();
        console.error(`vigil: ${error.message}`);
        process.exit(1);
      }
      throw error;
    }
  });

// `vigil start` starts PostgreSQL before anything else loads: the other commands (and with them
// every strategy) load only when one of them, or the list of all, is asked for.
if (process.argv[2] !== 'start') {
  const [{ registerCheckCommand }, { registerSecretsCommand }, { registerLoginCommand }, { registerMaintenanceCommand }, { registerValidateCommand }, { registerPingCommand }, { registerMcpCommand }, { registerApplyCommands }] = await Promise.all([
    import('./check.ts'),
    import('./secrets.ts'),
    import('./login.ts'),
    import('./maintenance.ts'),
    import('./validate.ts'),
    import('./ping.ts'),
    import('./mcp.ts'),
    import('./apply.ts'),
  ]);
  registerCheckCommand(program);
  registerValidateCommand(program);
  registerApplyCommands(program);
  registerLoginCommand(program);
  registerPingCommand(program);
  registerMcpCommand(program);
  registerSecretsCommand(program, (settings) => createLogger({ level: settings.logLevel, format: settings.logFormat }));
  registerMaintenanceCommand(program, (settings) => createLogger({ level: settings.logLevel, format: settings.logFormat }));
  (await import('./satellite.ts')).registerSatelliteCommand(program);
}

await program.parseAsync(process.argv);

/**
 * V8 lets a process's heap grow to several times what is alive before it collects, sized for the
 * machine's memory: at 20,000 checks Vigil has ~65 MB alive and its heap sat at ~290 MB (issue 25,
 * bench/RESULTS.md). Growing by at most VIGIL_HEAP_GROWING_PERCENT (default 50 %) of what is alive
 * between full collections kept it at 182 MB for no CPU the benchmark could tell; 0 leaves V8 be.
 */
function boundHeapGrowth(): void {
  const percent = Number(process.env.VIGIL_HEAP_GROWING_PERCENT ?? 50);
  if (Number.isInteger(percent) && percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
