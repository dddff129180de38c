
/** Exit codes of the `lifeboat` command, stable so scripts can rely on them (listed in the README). */
export const ExitCode = {
  ok: 0,
  usage: 1,
  noDevice: 2,
  notTrusted: 3,
  locked: 4,
  daemonUnreachable: 5,
  timeout: 6,
  deviceError: 7,
  /** The backup drive is full (or the phone says the computer has too little room). */
  diskFull: 8,
  /** The backup password is wrong, or one is needed and none was given. */
  wrongPassword: 9,
  /** A backup failed verification or cannot be read. */
  backupDamaged: 10,
  /** No backup matches what was named on the command line. */
  backupNotFound: 11,
  /** Another program is syncing with the phone. */
  busy: 12,
  /** The phone went away in the middle (cable pulled, reboot): trying again may work. */
  disconnected: 13,
  /** Reading or writing files on this computer failed. */
  localIoError: 14,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
