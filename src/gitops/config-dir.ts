import { watch, type FSWatcher } from 'node:fs';
import { runAs, SYSTEM_ACTOR } from '../access/audit.ts';
import type { Logger } from '../kernel/log.ts';
import type { GitopsService } from './apply.ts';
import { formatProblem } from './documents.ts';
import type { KindContext } from './kinds/types.ts';
import { prepareDocuments } from './prepare.ts';

/**
 * GitOps at start (issue 22): `vigil start --config-dir DIR` applies the directory's documents at
 * start and again whenever its files change (debounced), pruning what it applied before and no
 * longer declares. A broken file is reported with its path and changes nothing: the running
 * state stays as it was. Several processes may watch one directory: applies take turns and a
 * repeated one changes nothing.
 */
export class ConfigDirectory {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private again = false;
  readonly managedBy: string;

  constructor(
    private readonly directory: string,
    private readonly gitops: GitopsService,
    private readonly context: KindContext,
    private readonly log: Logger,
    private readonly debounceMs = 500,
  ) {
    this.managedBy = `dir:${directory}`;
  }

  /** Applies now, then on every change. */
  async start(): Promise<void> {
    await this.apply();
    this.watcher = watch(this.directory, { recursive: true }, () => this.changed());
    this.watcher.on('error', (error) => this.log.error({ err: error, directory: this.directory }, 'Stopped watching the configuration directory'));
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.timer);
    await this.running;
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // One apply at a time; a change during one is applied after it.
      if (this.again) return;
      this.again = true;
      this.running = this.running.then(() => {
        this.again = false;
        return this.apply();
      });
    }, this.debounceMs);
  }

  /** One apply of the whole directory; never throws (what went wrong is logged). */
  async apply(): Promise<void> {
    try {
      const prepared = await prepareDocuments([this.directory], this.context);
      if (prepared.problems.length) {
        for (const problem of prepared.problems) this.log.error({ file: problem.file, line: problem.line }, formatProblem(problem));
        this.log.error({ directory: this.directory, problems: prepared.problems.length }, 'The configuration directory has problems: nothing applied, the running configuration is unchanged');
        return;
      }
      for (const note of prepared.notes) this.log.warn(note);
      const outcome = await runAs(SYSTEM_ACTOR, () => this.gitops.apply(prepared.documents, { prune: true, managedBy: this.managedBy }));
      const { create, update, delete: deleted, unchanged } = outcome.summary;
      this.log.info({ directory: this.directory, create, update, delete: deleted, unchanged, changeSet: outcome.changeSet }, create + update + deleted ? 'Applied the configuration directory' : 'The configuration directory is applied already');
    } catch (error) {
      const details = (error as { details?: { message: string }[] }).details;
      for (const detail of details ?? []) this.log.error(detail.message);
      this.log.error({ err: details ? undefined : error, directory: this.directory }, 'The server refused the configuration directory: nothing applied, the running configuration is unchanged');
    }
  }
}
