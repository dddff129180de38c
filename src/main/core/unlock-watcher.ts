import type { DeviceManager, ManagedDevice } from '../device/manager';
import { AppErrorException, appError } from '../../shared/app-error';

/** How often a locked phone is looked at again: often enough to feel immediate, rare enough to cost nothing. */
const UNLOCK_POLL_MS = 2_000;

/** A phone waits for its passcode: trusted but locked (PasswordProtected), or Pair refused with PasswordProtected. */
function isLockedPhone(device: ManagedDevice | undefined): boolean {
  if (!device) return false;
  return device.trust === 'locked' || (device.trust === 'trusted' && device.summary.passcodeLocked === true);
}

type WatchedManager = Pick<DeviceManager, 'list' | 'get' | 'refresh' | 'pair'>;

/**
 * Notices when a locked iPhone is unlocked (issue 12: "unlocking is never noticed"). The phone sends
 * no event when its screen unlocks, so while any plugged-in phone is locked its lockdown state is
 * read again every UNLOCK_POLL_MS (protocol.md §2.4 PasswordProtected); the manager's `updated`
 * events then carry the change to the UI, and jobs waiting in waitForUnlock continue. A phone whose
 * Pair was refused because it was locked is asked again, which is what the person was doing.
 */
export class UnlockWatcher {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly waiters = new Set<{ readonly udid: string; check(): void }>();

  constructor(
    private readonly manager: WatchedManager,
    private readonly intervalMs = UNLOCK_POLL_MS,
  ) {}

  isLocked(udid: string): boolean {
    return isLockedPhone(this.manager.get(udid));
  }

  /**
   * Reads the phone's lock state again, now: a screen that locked itself since the last look sends
   * no event, so only a fresh lockdown read (§2.4 PasswordProtected) tells a refusal from the phone
   * (208, "Device locked") apart from a passcode the person declined. Starts the watch when locked.
   */
  async lockedNow(udid: string): Promise<boolean> {
    await this.manager.refresh(udid).catch(() => undefined);
    this.sync();
    return this.isLocked(udid);
  }

  /** Call after every change of the device list: starts or stops polling, wakes waiters. */
  sync(): void {
    for (const waiter of [...this.waiters]) waiter.check();
    const anyLocked = this.manager.list().some(isLockedPhone);
    if (anyLocked && !this.timer) this.timer = setInterval(() => void this.poll(), this.intervalMs);
    if (!anyLocked && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Resolves once the phone is unlocked; rejects when it is unplugged or the signal aborts. */
  waitForUnlock(udid: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        udid,
        check: () => {
          const device = this.manager.get(udid);
          if (!device) settle(() => reject(unplugged(udid)));
          else if (!isLockedPhone(device)) settle(resolve);
        },
      };
      const onAbort = (): void => settle(() => reject(signal.reason ?? new Error('cancelled')));
      const settle = (finish: () => void): void => {
        this.waiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
        finish();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      waiter.check();
      this.sync();
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const device of this.manager.list().filter(isLockedPhone)) {
        // Pair answers PasswordProtected again until the screen is unlocked, then shows the trust prompt.
        if (device.trust === 'locked') await this.manager.pair(device.udid).catch(() => undefined);
        else await this.manager.refresh(device.udid).catch(() => undefined);
      }
    } finally {
      this.polling = false;
      this.sync();
    }
  }
}

function unplugged(udid: string): AppErrorException {
  return new AppErrorException(appError('device-disconnected', 'The iPhone was unplugged while Lifeboat waited for it to be unlocked.', udid));
}
