/**
 * Group commit for finished copies, the one speed rule of photo import. A copy that has all its
 * bytes on disk under its partial name is handed to this queue and, from then on, only the queue
 * publishes it (flush, final name, folder flush, index row: `publishBatch`) or throws it away
 * (`discard`). Batches run one at a time, in the order copies were handed over, while the next
 * downloads go on.
 *
 * Why: each published photo needs its data flushed before its name and its index row exist, or a
 * power cut could leave an empty file the index calls imported. Flushing one photo at a time made
 * every photo wait for five or six disk round trips (its data, its folder, the index's journal);
 * on a busy disk that was most of an import's time, and the index's flushes ran on the main thread,
 * stopping the download. A batch (32 copies, or what arrived within 250 ms, or more while the
 * previous batch runs) flushes its files side by side, then each folder once and the index in one
 * transaction. A killed process loses at most the unpublished copies, whose partial names the
 * next run removes before copying them again.
 */
export interface PublishQueueLimits {
  /** Copies held back while a batch runs before `add` makes the download wait (each holds an open file). */
  readonly maxWaiting?: number;
  /** A batch starts once this many copies wait… */
  readonly batchSize?: number;
  /** …or once the oldest has waited this long, so a slow download still shows its photos soon. */
  readonly maxDelayMs?: number;
}

export class PublishQueue<T> {
  private waiting: T[] = [];
  private oldestWaitingAt = 0;
  private running: Promise<void> | undefined;
  private failure: { readonly error: unknown } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Someone waits for everything (drain, settle): no point holding a copy back for a fuller batch. */
  private flushing = false;
  private readonly maxWaiting: number;
  private readonly batchSize: number;
  private readonly maxDelayMs: number;

  /**
   * @param publishBatch publishes every item of a batch, or on failure leaves none half done
   *   (discarding what it did not publish) and throws: publishing stops there.
   * @param discard removes an item that will not be published; must not throw.
   */
  constructor(
    private readonly publishBatch: (batch: readonly T[]) => Promise<void>,
    private readonly discard: (item: T) => Promise<void>,
    limits: PublishQueueLimits = {},
  ) {
    this.maxWaiting = limits.maxWaiting ?? 64;
    this.batchSize = Math.min(limits.batchSize ?? 32, this.maxWaiting);
    this.maxDelayMs = limits.maxDelayMs ?? 250;
  }

  /**
   * Hands a finished copy over: from here on it is the queue's. Waits while too many copies wait.
   * Never throws, so a failure of publishing is never mistaken for a problem of the copy handed
   * over; the downloader asks `throwIfFailed` before each copy instead.
   */
  async add(item: T): Promise<void> {
    if (this.waiting.length === 0) this.oldestWaitingAt = performance.now();
    this.waiting.push(item);
    this.schedule();
    while (this.waiting.length >= this.maxWaiting && this.running) await this.running;
  }

  /** Waits until everything handed over is published; throws the failure that stopped publishing. */
  async drain(): Promise<void> {
    await this.flushAll();
    this.throwIfFailed();
  }

  /** Throws the failure that stopped publishing, if any: nothing more would be published. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /**
   * After the run stopped: publishes the copies already complete (`publishWaiting`, e.g. after a
   * pulled cable) or only lets the batch under way finish (after a cancel: nothing new), and
   * discards every copy left. Never throws: the run's own error is what the caller reports.
   */
  async settle(publishWaiting: boolean): Promise<void> {
    if (!publishWaiting) await this.discardWaiting();
    await this.flushAll();
    await this.discardWaiting();
  }

  private async flushAll(): Promise<void> {
    this.flushing = true;
    try {
      this.schedule();
      while (this.running) await this.running;
    } finally {
      this.flushing = false;
    }
  }

  /** Starts the next batch when one is due: enough copies, the oldest waited long enough, or a flush. */
  private schedule(): void {
    if (this.running || this.failure || this.waiting.length === 0) return;
    const waited = performance.now() - this.oldestWaitingAt;
    if (!this.flushing && this.waiting.length < this.batchSize && waited < this.maxDelayMs) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.maxDelayMs - waited);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting.splice(0);
    this.running = this.publishBatch(batch)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
  }

  private async discardWaiting(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const item of this.waiting.splice(0)) await this.discard(item);
  }
}
