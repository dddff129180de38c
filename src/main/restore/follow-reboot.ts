import { type MuxDevice, type MuxListener, UsbmuxClient, sameUdid } from '../device/usbmux';

/**
 * Watches usbmuxd (Listen, protocol.md §1.3) for one phone leaving and coming back, so a restore
 * that ends in a reboot (§7.3 step 5) reports success only once the phone is there again.
 * Started before the restore request, so a quick reboot cannot slip by unseen.
 */
export class RebootWatch {
  private detached = false;
  private attachedAfterDetach = false;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly listener: MuxListener,
    private readonly udid: string,
  ) {
    let deviceId: number | undefined;
    listener.on('attached', (device: MuxDevice) => {
      if (!sameUdid(device.udid, this.udid)) return;
      deviceId = device.deviceId;
      if (this.detached) this.attachedAfterDetach = true;
      this.wake();
    });
    listener.on('detached', (id: number) => {
      if (id !== deviceId) return;
      this.detached = true;
      this.attachedAfterDetach = false;
      this.wake();
    });
    listener.on('close', () => this.wake());
  }

  static async start(udid: string, muxAddress: string | undefined): Promise<RebootWatch> {
    const listener = await new UsbmuxClient({ address: muxAddress }).listen();
    return new RebootWatch(listener, udid);
  }

  get hasLeft(): boolean {
    return this.detached;
  }

  /** Waits until the phone left (true) or `timeoutMs` passed (false). */
  waitForDetach(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitUntil(() => this.detached, timeoutMs, signal);
  }

  /** Waits until the phone, having left, is back (true) or `timeoutMs` passed (false). */
  waitForReturn(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitUntil(() => this.attachedAfterDetach, timeoutMs, signal);
  }

  close(): void {
    this.listener.close();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private async waitUntil(condition: () => boolean, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
        this.waiters.push(done);
      });
    }
    return true;
  }
}
