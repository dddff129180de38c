import { pbkdf2, pbkdf2Sync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { unwrapKey, wrapKey } from './aes';
import { BackupFormatError, WrongPasswordError } from './errors';

/**
 * The `BackupKeyBag` of Manifest.plist (protocol.md §6.1–6.3): a TLV list — 4-byte ASCII tag,
 * big-endian u32 length, value; 4-byte values are big-endian integers. The header comes first;
 * every UUID after the header's own starts a class-key record.
 */

export interface KeybagClassKey {
  readonly uuid: Buffer;
  /** CLAS: the data-protection class (§6.6). */
  readonly protectionClass: number;
  /** WRAP bitmask: 1 tangled with the device UID, 2 wrapped with the password-derived key. */
  readonly wrap: number;
  /** KTYP: 0 AES, 1 Curve25519. */
  readonly keyType: number;
  /** WPKY: the RFC 3394-wrapped 32-byte class key (40 bytes). */
  readonly wrappedKey: Buffer | undefined;
  readonly publicKey: Buffer | undefined;
}

export interface ParsedKeybag {
  readonly version: number | undefined;
  /** TYPE with the flag bits masked off: 0 System, 1 Backup, 2 Escrow, 3 OTA. */
  readonly type: number | undefined;
  readonly uuid: Buffer | undefined;
  readonly hmck: Buffer | undefined;
  readonly wrap: number | undefined;
  /** SALT / ITER: the PBKDF2-HMAC-SHA1 round. */
  readonly salt: Buffer;
  readonly iterations: number;
  /** DPSL / DPIC / DPWT (iOS 10.2+): the PBKDF2-HMAC-SHA256 round that comes first. */
  readonly doubleProtection: { readonly salt: Buffer; readonly iterations: number; readonly wrapType: number | undefined } | undefined;
  readonly classKeys: readonly KeybagClassKey[];
}

const TYPE_BACKUP = 1;
const WRAP_PASSCODE = 2;
const KEY_TYPE_AES = 0;

export function parseKeybag(bytes: Buffer): ParsedKeybag {
  const header = new Map<string, Buffer>();
  const classes: Map<string, Buffer>[] = [];
  let current = header;
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) throw malformed(`a truncated item header at byte ${offset}`);
    const tag = bytes.toString('latin1', offset, offset + 4);
    const length = bytes.readUInt32BE(offset + 4);
    const start = offset + 8;
    if (start + length > bytes.length) throw malformed(`item ${tag} runs past the end (${length} bytes at ${start})`);
    const value = bytes.subarray(start, start + length);
    offset = start + length;
    if (tag === 'UUID' && (current !== header || header.has('UUID'))) {
      current = new Map();
      classes.push(current);
    }
    current.set(tag, value);
  }

  const salt = header.get('SALT');
  const iterations = intOf(header, 'ITER');
  if (!salt || iterations === undefined) throw malformed('no SALT/ITER for the password key derivation');
  const dpsl = header.get('DPSL');
  const dpic = intOf(header, 'DPIC');
  const type = intOf(header, 'TYPE');
  return {
    version: intOf(header, 'VERS'),
    type: type === undefined ? undefined : type & 0x3fffffff,
    uuid: header.get('UUID'),
    hmck: header.get('HMCK'),
    wrap: intOf(header, 'WRAP'),
    salt,
    iterations,
    doubleProtection: dpsl && dpic !== undefined ? { salt: dpsl, iterations: dpic, wrapType: intOf(header, 'DPWT') } : undefined,
    classKeys: classes.map((record) => ({
      uuid: record.get('UUID') ?? Buffer.alloc(0),
      protectionClass: intOf(record, 'CLAS') ?? 0,
      wrap: intOf(record, 'WRAP') ?? 0,
      keyType: intOf(record, 'KTYP') ?? KEY_TYPE_AES,
      wrappedKey: record.get('WPKY'),
      publicKey: record.get('PBKY'),
    })),
  };
}

function intOf(items: ReadonlyMap<string, Buffer>, tag: string): number | undefined {
  const value = items.get(tag);
  if (!value) return undefined;
  if (value.length === 4) return value.readUInt32BE(0);
  if (value.length === 8) return Number(value.readBigUInt64BE(0));
  throw malformed(`${tag} is ${value.length} bytes, not an integer`);
}

function malformed(detail: string): BackupFormatError {
  return new BackupFormatError('malformed-keybag', `The backup keybag is damaged: ${detail}.`);
}

/** Inputs of the password → key-encryption-key chain (§6.2). */
export interface KeyDerivationParameters {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly doubleProtection?: { readonly salt: Buffer; readonly iterations: number } | undefined;
}

/**
 * PBKDF2-HMAC-SHA256(password, DPSL, DPIC) then PBKDF2-HMAC-SHA1(that, SALT, ITER), 32 bytes each;
 * without DPSL/DPIC (≤ iOS 10.1) only the SHA-1 round over the password (§6.2).
 */
export function deriveKeyEncryptionKey(password: string, parameters: KeyDerivationParameters): Buffer {
  const secret = parameters.doubleProtection
    ? pbkdf2Sync(password, parameters.doubleProtection.salt, parameters.doubleProtection.iterations, 32, 'sha256')
    : Buffer.from(password, 'utf8');
  return pbkdf2Sync(secret, parameters.salt, parameters.iterations, 32, 'sha1');
}

const pbkdf2Async = promisify(pbkdf2);

/** Same as deriveKeyEncryptionKey, on libuv's thread pool: real counts take seconds (§6.2). */
export async function deriveKeyEncryptionKeyAsync(password: string, parameters: KeyDerivationParameters): Promise<Buffer> {
  const secret = parameters.doubleProtection
    ? await pbkdf2Async(password, parameters.doubleProtection.salt, parameters.doubleProtection.iterations, 32, 'sha256')
    : Buffer.from(password, 'utf8');
  return pbkdf2Async(secret, parameters.salt, parameters.iterations, 32, 'sha1');
}

/**
 * Unwraps every password-wrapped class key (§6.3). Any integrity failure means the password is
 * wrong, so it throws WrongPasswordError rather than returning a partial map.
 */
export function unlockKeybagWithKek(keybag: ParsedKeybag, kek: Buffer): ReadonlyMap<number, Buffer> {
  const keys = new Map<number, Buffer>();
  for (const record of keybag.classKeys) {
    if ((record.wrap & WRAP_PASSCODE) === 0 || !record.wrappedKey) continue;
    try {
      keys.set(record.protectionClass, unwrapKey(kek, record.wrappedKey));
    } catch (error) {
      if (error instanceof BackupFormatError) throw new WrongPasswordError();
      throw error;
    }
  }
  if (keys.size === 0) throw malformed('no class key is wrapped with the backup password');
  return keys;
}

export function unlockBackupKeybag(keybag: Buffer, password: string): ReadonlyMap<number, Buffer> {
  const parsed = parseKeybag(keybag);
  return unlockKeybagWithKek(parsed, deriveKeyEncryptionKey(password, parsed));
}

export async function unlockBackupKeybagAsync(keybag: Buffer, password: string): Promise<ReadonlyMap<number, Buffer>> {
  const parsed = parseKeybag(keybag);
  return unlockKeybagWithKek(parsed, await deriveKeyEncryptionKeyAsync(password, parsed));
}

export interface CreateKeybagOptions {
  /** DPIC: real phones use 10,000,000; tests use a few hundred. */
  readonly sha256Iterations?: number;
  /** ITER: real phones use 10,000. */
  readonly sha1Iterations?: number;
  /** VERS; the pyiosbackup fixture (a real iOS 10.3 keybag layout) carries 5. */
  readonly version?: number;
  /** Which protection classes get a key; default 1–11 (§6.6). */
  readonly classes?: readonly number[];
}

export const DEFAULT_SHA256_ITERATIONS = 10_000_000;
export const DEFAULT_SHA1_ITERATIONS = 10_000;
const DEFAULT_KEYBAG_VERSION = 5;
const ALL_CLASSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

export interface CreatedKeybag {
  readonly keybag: Buffer;
  readonly classKeys: ReadonlyMap<number, Buffer>;
}

/** Builds a Backup keybag for `password` with fresh random salts and class keys (§6.8 steps 1–2). */
export function createBackupKeybag(password: string, options: CreateKeybagOptions = {}): CreatedKeybag {
  const plan = planKeybag(options);
  return assembleKeybag(plan, deriveKeyEncryptionKey(password, plan));
}

export async function createBackupKeybagAsync(password: string, options: CreateKeybagOptions = {}): Promise<CreatedKeybag> {
  const plan = planKeybag(options);
  return assembleKeybag(plan, await deriveKeyEncryptionKeyAsync(password, plan));
}

/**
 * The keybag an unencrypted backup carries (protocol-notes.md "BackupKeyBag"): real phones put one in
 * every Manifest.plist, and some readers require it. Its class keys are wrapped with a random key
 * that is thrown away, so nobody (not even the phone) can open them, as nothing in the backup
 * needs them; the header keeps the real KDF parameters and no key derivation runs.
 */
export function createSealedBackupKeybag(options: CreateKeybagOptions = {}): Buffer {
  return assembleKeybag(planKeybag(options), randomBytes(32)).keybag;
}

interface KeybagPlan extends KeyDerivationParameters {
  readonly version: number;
  readonly doubleProtection: { readonly salt: Buffer; readonly iterations: number };
  readonly classes: readonly number[];
}

function planKeybag(options: CreateKeybagOptions): KeybagPlan {
  const sha256Iterations = options.sha256Iterations ?? DEFAULT_SHA256_ITERATIONS;
  const sha1Iterations = options.sha1Iterations ?? DEFAULT_SHA1_ITERATIONS;
  for (const count of [sha256Iterations, sha1Iterations]) {
    if (!Number.isInteger(count) || count < 1 || count > 0xffffffff) {
      throw new RangeError(`Keybag iteration counts must be whole numbers from 1 to 2^32-1; got ${count}.`);
    }
  }
  return {
    version: options.version ?? DEFAULT_KEYBAG_VERSION,
    salt: randomBytes(20),
    iterations: sha1Iterations,
    doubleProtection: { salt: randomBytes(20), iterations: sha256Iterations },
    classes: options.classes ?? ALL_CLASSES,
  };
}

function assembleKeybag(plan: KeybagPlan, kek: Buffer): CreatedKeybag {
  const classKeys = new Map<number, Buffer>();
  const items: Buffer[] = [
    tlvInt('VERS', plan.version),
    tlvInt('TYPE', TYPE_BACKUP),
    tlv('UUID', randomBytes(16)),
    tlv('HMCK', randomBytes(40)),
    tlvInt('WRAP', 0),
    tlv('SALT', plan.salt),
    tlvInt('ITER', plan.iterations),
    tlvInt('DPWT', 1),
    tlvInt('DPIC', plan.doubleProtection.iterations),
    tlv('DPSL', plan.doubleProtection.salt),
  ];
  for (const protectionClass of plan.classes) {
    const classKey = randomBytes(32);
    classKeys.set(protectionClass, classKey);
    items.push(
      tlv('UUID', randomBytes(16)),
      tlvInt('CLAS', protectionClass),
      tlvInt('WRAP', WRAP_PASSCODE),
      tlvInt('KTYP', KEY_TYPE_AES),
      tlv('WPKY', wrapKey(kek, classKey)),
    );
  }
  return { keybag: Buffer.concat(items), classKeys };
}

function tlv(tag: string, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(tag, 0, 4, 'latin1');
  head.writeUInt32BE(value.length, 4);
  return Buffer.concat([head, value]);
}

function tlvInt(tag: string, value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0, 0);
  return tlv(tag, bytes);
}
