import { fail } from './error-mapping';

/**
 * Verify and opening the browser read an untrusted backup folder for as long as it takes (a
 * verify of 100,000 files, a key bag's derivation, a folder made to hang its reader). They are
 * requests, not jobs, so the caller names them (`readId`) and `reads:cancel` aborts the signal
 * that reaches the reader's worker thread (src/main/reader), which then ends at once.
 */
export class CancellableReads {
  private readonly running = new Map<string, AbortController>();

  /** Runs `read` with a signal `cancel(readId)` aborts; without a readId it cannot be cancelled. */
  async run<T>(readId: string | undefined, read: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    if (readId === undefined) return read(undefined);
    if (this.running.has(readId)) fail('invalid-argument', 'A read with that id is already running; give each read its own id.');
    const controller = new AbortController();
    this.running.set(readId, controller);
    try {
      return await read(controller.signal);
    } finally {
      this.running.delete(readId);
    }
  }

  /** Aborts a running read; false when none has that id (it finished, or never started). */
  cancel(readId: string): boolean {
    const controller = this.running.get(readId);
    if (!controller) return false;
    controller.abort();
    this.running.delete(readId);
    return true;
  }

  /** Aborts every running read (the core is closing). */
  cancelAll(): void {
    for (const readId of [...this.running.keys()]) this.cancel(readId);
  }
}
