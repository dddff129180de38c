import type { DeviceView } from '../../../shared/contract';

/**
 * A trusted iPhone whose screen is locked (issue 12: it used to say "Connected" and nothing more).
 * Nothing to click: the app reads the phone again every few seconds and continues by itself.
 */
export function UnlockGuidance({ device, backupWaiting }: { readonly device: DeviceView; readonly backupWaiting: boolean }) {
  return (
    <section className="card trust" aria-labelledby="unlock-title" data-testid="unlock-guidance">
      <h2 id="unlock-title">Unlock your iPhone</h2>
      <p aria-live="polite">
        {backupWaiting
          ? 'The backup is waiting for you to unlock your iPhone. It starts by itself as soon as you do.'
          : device.settings.autoBackup
            ? 'Your iPhone is locked. The automatic backup starts by itself as soon as you unlock it.'
            : 'Your iPhone is locked. Lifeboat can back it up only while it is unlocked.'}
      </p>
      <ol className="steps">
        <li>Wake the iPhone: press the side button or lift it.</li>
        <li>Enter your passcode, or look at it (Face ID) or touch the Home button (Touch ID).</li>
        <li>Leave it on the Home Screen. Lifeboat notices within a few seconds; there is nothing to click here.</li>
      </ol>
    </section>
  );
}
