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
 * on a busy disk that was most of an import's time. A batch flushes its files side by side, then
 * each folder once and the index in one transaction, so a slower disk makes batches bigger
 * instead of making every photo wait. A killed process loses at most the unpublished copies,
 * whose partial names the next run removes before copying them again.
 */
export class PublishQueue<T> {
  private waiting: T[] = [];
  private running: Promise<void> | undefined;
  private failure: { readonly error: unknown } | undefined;

  /**
   * @param publishBatch publishes every item of a batch, or on failure leaves none half done
   *   (discarding what it did not publish) and throws: publishing stops there.
   * @param discard removes an item that will not be published; must not throw.
   * @param maxWaiting copies held back while a batch runs before `add` makes the download wait
   *   (each holds an open file).
   */
  constructor(
    private readonly publishBatch: (batch: readonly T[]) => Promise<void>,
    private readonly discard: (item: T) => Promise<void>,
    private readonly maxWaiting = 64,
  ) {}

  /**
   * Hands a finished copy over: from here on it is the queue's. Waits while too many copies wait.
   * Never throws, so a failure of publishing is never mistaken for a problem of the copy handed
   * over; the downloader asks `throwIfFailed` before each copy instead.
   */
  async add(item: T): Promise<void> {
    this.waiting.push(item);
    this.startNext();
    while (this.waiting.length >= this.maxWaiting && this.running) await this.running;
  }

  /** Waits until everything handed over is published; throws the failure that stopped publishing. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
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
    while (this.running) await this.running;
    await this.discardWaiting();
  }

  private startNext(): void {
    if (this.running || this.failure || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0);
    this.running = this.publishBatch(batch)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.running = undefined;
        this.startNext();
      });
  }

  private async discardWaiting(): Promise<void> {
    for (const item of this.waiting.splice(0)) await this.discard(item);
  }
}
