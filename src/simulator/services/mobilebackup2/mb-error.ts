/**
 * A failure the device reports in the final DLMessageProcessMessage (protocol.md §3.6.10, §3.9).
 *
 * The description is formatted like the real BackupAgent2's, "<sentence> (MBErrorDomain/<code>)",
 * because hosts print it verbatim ("ErrorCode 208: Device locked (MBErrorDomain/208)").
 */
export class MobileBackupError extends Error {
  constructor(
    readonly code: number,
    readonly sentence: string,
  ) {
    super(`${sentence} (MBErrorDomain/${code})`);
    this.name = 'MobileBackupError';
  }
}

/** MBErrorDomain codes the simulator answers with (§3.9). */
export const MB_ERROR = {
  generic: 1,
  noSuchFile: 4,
  malformedData: 11,
  driveError: 100,
  deviceRead: 101,
  deviceWrite: 102,
  multipleUploadErrors: 104,
  hostDiskFull: 105,
  deviceDiskFull: 106,
  cancelled: 202,
  unsupportedVersion: 203,
  backupStateEmpty: 204,
  badBackupProperties: 205,
  encryption: 207,
  deviceLocked: 208,
  /** "Find My iPhone must be disabled before restoring" — seen from real phones in host tool issue threads. */
  findMyEnabled: 211,
} as const;

/** The host closed the connection or sent DLMessageDisconnect in the middle of an operation. */
export class HostGoneError extends Error {
  constructor(message = 'The computer ended the mobilebackup2 session.') {
    super(message);
    this.name = 'HostGoneError';
  }
}

/** The host answered a DeviceLink request with something the device cannot use. */
export class HostProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostProtocolError';
  }
}
