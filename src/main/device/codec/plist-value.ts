/**
 * The in-memory shape of a property list, shared by the XML and binary codecs.
 *
 * JavaScript numbers cannot say "real" or "integer" by themselves, and 64-bit integers do not fit
 * in a number, so (protocol.md §0.1, §8.5):
 * - integers decode as `number` when they are safe integers, otherwise as `bigint`;
 * - reals decode as `number`; to *encode* an integral real (mobilebackup2's Hello wants `2.0`),
 *   wrap it in `PlistReal`;
 * - NSKeyedArchiver UIDs are `PlistUid`, never a dict with a `UID` key (that would be ambiguous).
 */
export class PlistUid {
  constructor(readonly value: number) {}
}

export class PlistReal {
  constructor(readonly value: number) {}
}

export type PlistValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Buffer
  | PlistUid
  | PlistReal
  | readonly PlistValue[]
  | PlistDict;

export interface PlistDict {
  readonly [key: string]: PlistValue;
}

export function isPlistDict(value: unknown): value is PlistDict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !Buffer.isBuffer(value) &&
    !(value instanceof Date) &&
    !(value instanceof PlistUid) &&
    !(value instanceof PlistReal) &&
    !(value instanceof Uint8Array)
  );
}

/** A plist that did not have the shape a protocol step expected. */
export class PlistShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlistShapeError';
  }
}

/** Reads an integer field that may arrive as number, bigint, or (from lax peers) a real. */
export function plistInteger(value: PlistValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'bigint') return toSignedInt32OrNumber(value);
  if (value instanceof PlistReal) return Math.trunc(value.value);
  return undefined;
}

/**
 * Status numbers such as -13 arrive from libimobiledevice as an unsigned 64-bit two's complement
 * (protocol.md §0.1). Reinterpret anything above 2^63 as negative; keep the rest exact if safe.
 */
function toSignedInt32OrNumber(value: bigint): number {
  const signed = BigInt.asIntN(64, value);
  if (signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(signed);
  }
  return Number(BigInt.asIntN(32, value));
}

export function plistString(value: PlistValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function plistBoolean(value: PlistValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  return undefined;
}

export function plistData(value: PlistValue | undefined): Buffer | undefined {
  return Buffer.isBuffer(value) ? value : undefined;
}

export function plistDictOf(value: PlistValue | undefined): PlistDict | undefined {
  return isPlistDict(value) ? value : undefined;
}

export function plistArrayOf(value: PlistValue | undefined): readonly PlistValue[] | undefined {
  return Array.isArray(value) ? (value as readonly PlistValue[]) : undefined;
}

/**
 * Sets a dict entry as an own property. Plain assignment of a key a peer sent (`__proto__`) would
 * swap the object's prototype instead of adding an entry, so that one key is defined; every other
 * key is assigned (Object.prototype has no other setter), because defineProperty on each key turned
 * decoding a Manifest.db's records into a third of a restore's start-up.
 */
export function setPlistEntry(dict: Record<string, PlistValue>, key: string, value: PlistValue): void {
  if (key === '__proto__') Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
  else dict[key] = value;
}
