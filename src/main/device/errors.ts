/**
 * One typed error per device layer (docs/architecture.md "Errors"): a `code` the UI and the CLI can
 * switch on, and a message a person can act on. Lower-level failures (socket errors, plist shape
 * errors) travel in `cause` so logs keep the detail. The services layer's ServiceError lives with
 * the service clients (services/service-error.ts).
 */

/** Codes for failures talking to usbmuxd (protocol.md §1). */
export type MuxErrorCode =
  | 'DaemonUnreachable'
  | 'BadCommand'
  | 'BadDevice'
  | 'ConnectionRefused'
  | 'BadVersion'
  | 'PairRecordNotFound'
  | 'CommandFailed'
  | 'ProtocolError'
  | 'Timeout'
  | 'ConnectionClosed'
  | 'DeviceNotFound';

/** Codes for lockdownd failures: the device's own error names (§2.2) plus what the host adds. */
type LockdownErrorCode =
  | 'InvalidResponse'
  | 'MissingKey'
  | 'MissingValue'
  | 'GetProhibited'
  | 'SetProhibited'
  | 'RemoveProhibited'
  | 'ImmutableValue'
  | 'PasswordProtected'
  | 'UserDeniedPairing'
  | 'PairingDialogResponsePending'
  | 'MissingHostID'
  | 'InvalidHostID'
  | 'SessionActive'
  | 'SessionInactive'
  | 'MissingSessionID'
  | 'InvalidSessionID'
  | 'MissingService'
  | 'InvalidService'
  | 'ServiceLimit'
  | 'MissingPairRecord'
  | 'SavePairRecordFailed'
  | 'InvalidPairRecord'
  | 'ServiceProhibited'
  | 'EscrowLocked'
  | 'PairingProhibitedOverThisConnection'
  | 'NotPaired'
  | 'NotLockdown'
  | 'PairingTimeout'
  | 'Aborted'
  | 'TlsFailed'
  | 'ProtocolError'
  | 'Timeout'
  | 'ConnectionClosed'
  | 'UnknownError';

interface DeviceErrorOptions {
  readonly cause?: unknown;
}

/** Common base so callers can catch "any device problem" in one place. */
export abstract class DeviceError extends Error {
  abstract readonly code: string;
  constructor(message: string, options: DeviceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export class MuxError extends DeviceError {
  constructor(readonly code: MuxErrorCode, message: string, options: DeviceErrorOptions = {}) {
    super(message, options);
    this.name = 'MuxError';
  }
}

export class LockdownError extends DeviceError {
  constructor(readonly code: LockdownErrorCode, message: string, options: DeviceErrorOptions = {}) {
    super(message, options);
    this.name = 'LockdownError';
  }
}

const LOCKDOWN_ERROR_NAMES: ReadonlySet<string> = new Set<LockdownErrorCode>([
  'InvalidResponse', 'MissingKey', 'MissingValue', 'GetProhibited', 'SetProhibited', 'RemoveProhibited',
  'ImmutableValue', 'PasswordProtected', 'UserDeniedPairing', 'PairingDialogResponsePending', 'MissingHostID',
  'InvalidHostID', 'SessionActive', 'SessionInactive', 'MissingSessionID', 'InvalidSessionID', 'MissingService',
  'InvalidService', 'ServiceLimit', 'MissingPairRecord', 'SavePairRecordFailed', 'InvalidPairRecord',
  'ServiceProhibited', 'EscrowLocked', 'PairingProhibitedOverThisConnection',
]);

/** Sentences for the device error names a person can do something about (§2.5.2). */
const LOCKDOWN_ADVICE: Partial<Record<LockdownErrorCode, string>> = {
  PasswordProtected: 'The iPhone is locked. Unlock your iPhone and tap Trust.',
  PairingDialogResponsePending: 'Tap Trust on your iPhone to let this computer connect.',
  UserDeniedPairing: 'Someone tapped "Don\'t Trust" on the iPhone. Unplug and reconnect it, then tap Trust.',
  InvalidHostID: 'This computer is not trusted by the iPhone any more. Pair again (lifeboat pair) and tap Trust on the iPhone.',
  MissingHostID: 'This computer is not trusted by the iPhone. Pair first (lifeboat pair) and tap Trust on the iPhone.',
  InvalidPairRecord: 'The saved trust record for this iPhone is damaged. Pair again (lifeboat pair).',
  EscrowLocked: 'The iPhone is locked. Unlock it and try again.',
  ServiceProhibited: 'The iPhone refused this service (it may be restricted by a management profile).',
  InvalidService: 'The iPhone does not offer the requested service.',
  SessionInactive: 'The lockdown session ended; reconnect and try again.',
  PairingProhibitedOverThisConnection: 'The iPhone does not allow pairing over this connection; connect it with a USB cable.',
};

/** Turns the `Error` string of a lockdownd reply into a LockdownError the caller can act on. */
export function lockdownErrorFromReply(errorName: string, request: string): LockdownError {
  const code: LockdownErrorCode = LOCKDOWN_ERROR_NAMES.has(errorName) ? (errorName as LockdownErrorCode) : 'UnknownError';
  const advice = LOCKDOWN_ADVICE[code];
  const message = advice ?? `The iPhone refused ${request}: ${errorName}.`;
  return new LockdownError(code, message);
}
