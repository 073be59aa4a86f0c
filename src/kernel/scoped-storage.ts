import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * An AsyncLocalStorage that is switched on only while one of its runs is under way.
 *
 * On Node 20 the first `run` of any AsyncLocalStorage installs async hooks for the whole process,
 * and they stay: from then on every promise, timer and tick — the check loop's included — pays an
 * init hook that copies the store along. One signed-in request was enough to tax every check for
 * the life of the process (bench/RESULTS.md, 2026-12-03 third session). This one counts the runs in
 * progress and switches the storage off when the last of them settles, which removes the hooks when
 * no other storage needs them.
 *
 * What a run starts without awaiting may outlive it; once no run is in progress it reads no store.
 */
export class ScopedStorage<T> {
  private readonly storage = new AsyncLocalStorage<T>();
  private running = 0;

  /** Runs `work` (and everything it awaits) with `store`. */
  run<R>(store: T, work: () => Promise<R>): Promise<R> {
    this.running++;
    let pending: Promise<R>;
    try {
      pending = this.storage.run(store, work);
    } catch (error) {
      this.settled();
      throw error;
    }
    return pending.finally(() => this.settled());
  }

  getStore(): T | undefined {
    return this.storage.getStore();
  }

  /** Runs in progress (tests). */
  get active(): number {
    return this.running;
  }

  private settled(): void {
    if (--this.running === 0) this.storage.disable();
  }
}
