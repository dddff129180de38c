/**
 * A bounded set of file writes in flight while the engine goes on reading the device's stream,
 * so the disk (libuv's thread pool) and the socket work at the same time. Bounded by file count
 * and by bytes so memory stays flat whatever the backup size. The first failure is kept for the
 * caller, who reports it in the status response of the same DLMessageUploadFiles batch
 * (protocol.md §3.6.2): it drains the queue before answering. One producer: add() is awaited
 * before the next add().
 */
export class WriteQueue {
  private readonly running = new Set<Promise<void>>();
  private bytesInFlight = 0;
  private firstError: unknown;
  private failed = false;
  /** The add() waiting for room, woken by the next job that ends (racing all jobs per file would pile up handlers). */
  private waiting: (() => void) | undefined;

  constructor(
    private readonly maxJobs: number,
    private readonly maxBytes: number,
  ) {}

  /** The first error a job threw, if any. */
  get error(): unknown {
    return this.firstError;
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  /**
   * Starts `job` (which holds `bytes` of memory until it ends) once there is room; resolves when it
   * has started, not when it ends. A job's error is recorded, never thrown here.
   */
  async add(bytes: number, job: () => Promise<void>): Promise<void> {
    while (this.running.size > 0 && (this.running.size >= this.maxJobs || this.bytesInFlight + bytes > this.maxBytes)) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    this.bytesInFlight += bytes;
    const task: Promise<void> = job().then(
      () => undefined,
      (error: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.firstError = error;
        }
      },
    ).finally(() => {
      this.bytesInFlight -= bytes;
      this.running.delete(task);
      const wake = this.waiting;
      this.waiting = undefined;
      wake?.();
    });
    this.running.add(task);
  }

  /** Waits until every started job has ended (successfully or not). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
