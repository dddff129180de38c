import { type PlistDict, type PlistValue, PlistReal, isPlistDict, plistInteger } from '../codec';
import { ServiceError } from './service-error';

/**
 * DeviceLink messages as plist arrays (protocol.md §3.1, §3.5): the device → host requests parsed
 * into a discriminated union, and the host → device replies built from their parts.
 */

/** Stands in for "no value" in DL arrays (§3.6): the protocol has no null. */
export const EMPTY_PARAMETER_STRING = '___EmptyParameterString___';

interface DeviceLinkMove {
  readonly from: string;
  readonly to: string;
}

interface Base {
  /** The overall progress real (0–100) the device attached, when this message kind carries one (§3.8). */
  readonly progress: number | undefined;
  /** The whole array as received, for logging and for fields not modelled here. */
  readonly raw: readonly PlistValue[];
}

export type DeviceLinkMessage =
  | (Base & { readonly kind: 'DLMessageVersionExchange'; readonly major: number; readonly minor: number })
  | (Base & { readonly kind: 'DLMessageDeviceReady' })
  | (Base & { readonly kind: 'DLMessageDownloadFiles'; readonly paths: readonly string[] })
  | (Base & { readonly kind: 'DLMessageUploadFiles'; readonly totalSizeHint: number | undefined })
  | (Base & { readonly kind: 'DLMessageMoveItems' | 'DLMessageMoveFiles'; readonly moves: readonly DeviceLinkMove[] })
  | (Base & { readonly kind: 'DLMessageRemoveItems' | 'DLMessageRemoveFiles'; readonly paths: readonly string[] })
  | (Base & { readonly kind: 'DLMessageCreateDirectory'; readonly path: string })
  | (Base & { readonly kind: 'DLMessageCopyItem'; readonly source: string; readonly destination: string })
  | (Base & { readonly kind: 'DLContentsOfDirectory'; readonly path: string })
  | (Base & { readonly kind: 'DLMessageGetFreeDiskSpace' })
  | (Base & { readonly kind: 'DLMessagePurgeDiskSpace'; readonly bytesWanted: number | undefined; readonly urgency: number | undefined })
  | (Base & { readonly kind: 'DLMessageProcessMessage'; readonly message: PlistDict })
  | (Base & { readonly kind: 'DLMessageDisconnect'; readonly reason: string | undefined })
  | (Base & { readonly kind: 'unknown'; readonly name: string });

/**
 * Reads a DL array. Only what the host needs is checked strictly (the name, paths, the result
 * dict); trailing elements may be absent (§3.5 "parse defensively"), so the options dict and the
 * progress real are optional.
 */
export function parseDeviceLinkMessage(value: PlistValue): DeviceLinkMessage {
  if (!Array.isArray(value)) {
    throw new ServiceError('protocol', 'The device sent a DeviceLink message that is not an array.');
  }
  const items = value as readonly PlistValue[];
  const name = items[0];
  // §3.1: libimobiledevice accepts only names of 9+ characters starting with "DL".
  if (typeof name !== 'string' || !name.startsWith('DL') || name.length < 9) {
    throw new ServiceError('protocol', 'The device sent a DeviceLink message without a DL message name.');
  }
  const base = { raw: items };
  switch (name) {
    case 'DLMessageVersionExchange':
      return {
        ...base,
        kind: name,
        progress: undefined,
        major: requiredInteger(items, 1, name, 'major version'),
        minor: plistInteger(items[2]) ?? 0,
      };
    case 'DLMessageDeviceReady':
    case 'DLMessageGetFreeDiskSpace':
      return { ...base, kind: name, progress: undefined };
    case 'DLMessageDownloadFiles':
      return { ...base, kind: name, paths: stringArray(items, 1, name), progress: progressAt(items, 3) };
    case 'DLMessageUploadFiles':
      return { ...base, kind: name, progress: progressAt(items, 2), totalSizeHint: nonNegativeInteger(items[3]) };
    case 'DLMessageMoveItems':
    case 'DLMessageMoveFiles':
      return { ...base, kind: name, moves: moveList(items, name), progress: progressAt(items, 3) };
    case 'DLMessageRemoveItems':
    case 'DLMessageRemoveFiles':
      return { ...base, kind: name, paths: stringArray(items, 1, name), progress: progressAt(items, 3) };
    case 'DLMessageCreateDirectory':
    case 'DLContentsOfDirectory':
      return { ...base, kind: name, path: requiredString(items, 1, name), progress: undefined };
    case 'DLMessageCopyItem':
      return {
        ...base,
        kind: name,
        source: requiredString(items, 1, name),
        destination: requiredString(items, 2, name),
        progress: undefined,
      };
    case 'DLMessagePurgeDiskSpace':
      return {
        ...base,
        kind: name,
        bytesWanted: nonNegativeInteger(items[1]),
        urgency: plistInteger(items[2]),
        progress: undefined,
      };
    case 'DLMessageProcessMessage': {
      const message = items[1];
      if (!isPlistDict(message)) {
        throw new ServiceError('protocol', 'The device sent a DLMessageProcessMessage without its message dictionary.');
      }
      return { ...base, kind: name, message, progress: undefined };
    }
    case 'DLMessageDisconnect': {
      const reason = items[1];
      return {
        ...base,
        kind: name,
        reason: typeof reason === 'string' && reason !== EMPTY_PARAMETER_STRING ? reason : undefined,
        progress: undefined,
      };
    }
    default:
      return { ...base, kind: 'unknown', name, progress: undefined };
  }
}

/** `["DLMessageStatusResponse", code, description, payload]` — the reply to every DL request but the streams (§3.6). */
export function buildStatusResponse(code: number, description?: string, payload?: PlistValue): PlistValue[] {
  if (!Number.isInteger(code)) {
    throw new ServiceError('invalid-argument', `A DeviceLink status code must be an integer, not ${code}.`);
  }
  return ['DLMessageStatusResponse', code, description ?? EMPTY_PARAMETER_STRING, payload ?? EMPTY_PARAMETER_STRING];
}

/** `["DLMessageProcessMessage", dict]` — how mobilebackup2 requests travel (§3.1, §3.4). */
export function buildProcessMessage(message: PlistDict): PlistValue[] {
  return ['DLMessageProcessMessage', message];
}

/** `["DLMessageDisconnect", reason]` — the host's goodbye after the final result (§3.6.10). */
export function buildDisconnect(reason?: string): PlistValue[] {
  return ['DLMessageDisconnect', reason ?? EMPTY_PARAMETER_STRING];
}

/** `["DLMessageVersionExchange", "DLVersionsOk", major]` (§3.2). */
export function buildVersionsOk(major: number): PlistValue[] {
  return ['DLMessageVersionExchange', 'DLVersionsOk', major];
}

function progressAt(items: readonly PlistValue[], index: number): number | undefined {
  const value = items[index];
  const number = value instanceof PlistReal ? value.value : typeof value === 'number' ? value : undefined;
  return number !== undefined && Number.isFinite(number) ? number : undefined;
}

function nonNegativeInteger(value: PlistValue | undefined): number | undefined {
  const number = plistInteger(value);
  return number !== undefined && number >= 0 ? number : undefined;
}

function requiredInteger(items: readonly PlistValue[], index: number, name: string, what: string): number {
  const number = plistInteger(items[index]);
  if (number === undefined) {
    throw new ServiceError('protocol', `The device sent ${name} without its ${what}.`);
  }
  return number;
}

function requiredString(items: readonly PlistValue[], index: number, name: string): string {
  const value = items[index];
  if (typeof value !== 'string') {
    throw new ServiceError('protocol', `The device sent ${name} without the path it is about.`);
  }
  return value;
}

function stringArray(items: readonly PlistValue[], index: number, name: string): string[] {
  const value = items[index];
  if (!Array.isArray(value) || !(value as readonly PlistValue[]).every((item) => typeof item === 'string')) {
    throw new ServiceError('protocol', `The device sent ${name} without a list of paths.`);
  }
  return [...(value as readonly string[])];
}

function moveList(items: readonly PlistValue[], name: string): DeviceLinkMove[] {
  const value = items[1];
  if (!isPlistDict(value)) {
    throw new ServiceError('protocol', `The device sent ${name} without its source → destination dictionary.`);
  }
  return Object.entries(value).map(([from, to]) => {
    if (typeof to !== 'string') {
      throw new ServiceError('protocol', `The device sent ${name} with a destination for ${from} that is not a path.`);
    }
    return { from, to };
  });
}
