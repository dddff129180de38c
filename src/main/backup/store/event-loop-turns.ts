/**
 * Synchronous file-system calls, with a turn of the event loop every STEPS_PER_TURN of them or
 * once MS_PER_TURN have passed, whichever comes first (a slow USB disk whose folders are not
 * cached takes milliseconds per call: 200 of them would hold the window a second). A
 * 1 %-changed run of the large phone commits ~1,000 files: through fs/promises that was ~7,500
 * calls, each a hand-off to libuv's pool and back (a promise, two thread wake-ups), which cost
 * more than the lstat or rename itself, on the critical path after the phone has finished. The
 * app core runs backups on its main thread, so the window still gets a turn every few ms.
 */
const STEPS_PER_TURN = 200;
const MS_PER_TURN = 8;

export class EventLoopTurns {
  private steps = 0;
  private lastTurn: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.lastTurn = now();
  }

  /** Call after each synchronous call; resolves at once, or after a turn of the event loop when one is due. */
  async step(): Promise<void> {
    this.steps += 1;
    if (this.steps < STEPS_PER_TURN && this.now() - this.lastTurn < MS_PER_TURN) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.steps = 0;
    this.lastTurn = this.now();
  }
}
