import { FrameTooLargeError, PlistShapeError, ReadTimeoutError, StreamClosedError } from '../codec';

/**
 * What went wrong talking to a device service, as a code the UI can switch on:
 * - `protocol`: the device sent bytes or a plist that do not follow the protocol;
 * - `unexpected-message`: a well-formed message, but not the one this step waits for;
 * - `version-mismatch`: the device speaks a DeviceLink / mobilebackup2 version we do not;
 * - `device-refused`: the device answered with an error code (mobilebackup2 ErrorCode, AFC status);
 * - `too-large`: a length the device announced is above our cap (we refuse to allocate it);
 * - `invalid-argument`: the caller asked for something the protocol cannot carry;
 * - `connection-closed`: the connection ended or failed mid-conversation;
 * - `timeout`: nothing arrived in time.
 */
type ServiceErrorCode =
  | 'protocol'
  | 'unexpected-message'
  | 'version-mismatch'
  | 'device-refused'
  | 'too-large'
  | 'invalid-argument'
  | 'connection-closed'
  | 'timeout';

/** The one error type of the services layer (docs/architecture.md, "one typed error per layer"). */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceError';
  }
}

/**
 * Turns what the codec throws (closed stream, timeout, malformed plist, oversized frame) into a
 * ServiceError that says which service and which step failed. ServiceErrors pass through.
 */
export function toServiceError(error: unknown, whileDoing: string): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof StreamClosedError) {
    return new ServiceError('connection-closed', `The connection to the device ended while ${whileDoing}.`, { cause: error });
  }
  if (error instanceof ReadTimeoutError) {
    return new ServiceError('timeout', `The device did not answer in time while ${whileDoing}.`, { cause: error });
  }
  if (error instanceof FrameTooLargeError) {
    return new ServiceError('too-large', `The device announced a message too large to accept while ${whileDoing}: ${error.message}`, { cause: error });
  }
  if (error instanceof PlistShapeError) {
    return new ServiceError('protocol', `The device sent a malformed message while ${whileDoing}: ${error.message}`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ServiceError('protocol', `Something failed while ${whileDoing}: ${detail}`, { cause: error });
}

/** Runs one protocol step and reports any failure as a ServiceError naming the step. */
export async function serviceStep<T>(whileDoing: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw toServiceError(error, whileDoing);
  }
}
