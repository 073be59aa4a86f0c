/** A failure that repeats pass after pass is reported again after this many passes. */
export const REPORT_REPEATS = 60;

/**
 * Work done in passes on a worker (notifications, automations): every `intervalMs`, and at once
 * when something is heard (`kick`). One pass at a time per process; a kick during a pass asks for
 * another right after it. Other processes share the work through the database, safely.
 */
export class PassLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  /** The failure the last passes repeated (a database outage fails every pass the same way). */
  private failure?: { message: string; repeats: number };

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.kick(), this.intervalMs);
    this.timer.unref();
  }

  /** A pass now (or right after the one running). */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.work()
      .then(
        () => void (this.failure = undefined),
        (error: unknown) => this.failed(error),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.kick();
        }
      });
    return this.running;
  }

  /**
   * Reports a failure, but the same failure again only every REPORT_REPEATS passes: an outage of a
   * minute is a line or two in the log, not sixty stack traces per loop.
   */
  private failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.failure?.message === message) {
      this.failure.repeats += 1;
      if (this.failure.repeats % REPORT_REPEATS !== 0) return;
    } else {
      this.failure = { message, repeats: 0 };
    }
    this.onError(error);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.again = false;
    await this.running;
  }
}
