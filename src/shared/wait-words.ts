/**
 * What a person must do while a job waits for them, in one place so the app and the CLI say the
 * same words (issue 12: a wait is told as what to do, never as an internal phase name).
 */
export const WAIT_SENTENCES = {
  /** The phone's screen is locked (lockdown `PasswordProtected`); the job goes on once it is unlocked. */
  unlock: 'Waiting for you to unlock your iPhone',
  /** iOS 16.1+ shows its passcode sheet before every backup and sends nothing until it is typed (protocol.md §3.10). */
  passcode: 'Enter your passcode on the iPhone to start the backup',
} as const;
