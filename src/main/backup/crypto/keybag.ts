import { BackupError } from '../backup-error';

/**
 * The `BackupKeyBag` of an encrypted backup's Manifest.plist (protocol.md §6.1): a run of
 * `4-byte ASCII tag + u32 BE length + value` items. Everything up to the second `UUID` tag is the
 * header (the first UUID names the keybag itself); every later `UUID` opens a class-key record.
 */

export interface KeybagHeader {
  readonly version?: number;
  /** 1 = Backup; high bits may carry flags, so readers mask with 0x3FFFFFFF (§6.1). */
  readonly type?: number;
  readonly uuid?: Buffer;
  readonly wrap?: number;
  /** Salt and rounds of the PBKDF2-SHA1 step (§6.2). */
  readonly salt: Buffer;
  readonly iterations: number;
  /** Salt and rounds of the PBKDF2-SHA256 step (iOS 10.2+, "double protection"); absent before. */
  readonly doubleProtectionSalt?: Buffer;
  readonly doubleProtectionIterations?: number;
}

export interface KeybagClassKey {
  readonly uuid: Buffer;
  /** Data-protection class (§6.6). */
  readonly protectionClass: number;
  /** Bit 1: tangled with the device UID; bit 2: wrapped with the password-derived key (§6.1). */
  readonly wrap: number;
  /** 0 AES, 1 Curve25519. */
  readonly keyType?: number;
  /** RFC 3394-wrapped 32-byte class key (40 bytes). */
  readonly wrappedKey?: Buffer;
  readonly publicKey?: Buffer;
}

export interface Keybag {
  readonly header: KeybagHeader;
  readonly classKeys: readonly KeybagClassKey[];
}

/** Bit of `WRAP` meaning "wrapped with the key derived from the backup password" (§6.1). */
export const WRAPPED_WITH_PASSWORD_KEY = 2;

interface KeybagItem {
  readonly tag: string;
  readonly value: Buffer;
}

function damagedKeybag(detail: string): BackupError {
  return new BackupError('corrupt', `The backup's key bag is damaged (${detail}), so its encryption cannot be opened.`);
}

function* keybagItems(bytes: Buffer): Generator<KeybagItem> {
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) throw damagedKeybag('an item header is cut short');
    const tag = bytes.toString('latin1', offset, offset + 4);
    const length = bytes.readUInt32BE(offset + 4);
    const start = offset + 8;
    if (start + length > bytes.length) throw damagedKeybag(`item ${tag} runs past the end`);
    yield { tag, value: bytes.subarray(start, start + length) };
    offset = start + length;
  }
}

/** Values of length 4 are big-endian integers (§6.1). */
function integerOf(item: KeybagItem): number {
  if (item.value.length !== 4) throw damagedKeybag(`${item.tag} is not a 4-byte number`);
  return item.value.readUInt32BE(0);
}

export function parseKeybag(bytes: Buffer): Keybag {
  const header: { -readonly [K in keyof KeybagHeader]?: KeybagHeader[K] } = {};
  const classKeys: KeybagClassKey[] = [];
  let current: { -readonly [K in keyof KeybagClassKey]?: KeybagClassKey[K] } | undefined;
  let seenHeaderUuid = false;

  const finishClass = (): void => {
    if (!current) return;
    if (current.protectionClass === undefined) throw damagedKeybag('a class key has no CLAS');
    classKeys.push({ wrap: 0, ...current } as KeybagClassKey);
    current = undefined;
  };

  for (const item of keybagItems(bytes)) {
    if (item.tag === 'UUID') {
      if (!seenHeaderUuid) {
        seenHeaderUuid = true;
        header.uuid = Buffer.from(item.value);
        continue;
      }
      finishClass();
      current = { uuid: Buffer.from(item.value) };
      continue;
    }
    if (current) {
      switch (item.tag) {
        case 'CLAS': current.protectionClass = integerOf(item); break;
        case 'WRAP': current.wrap = integerOf(item); break;
        case 'KTYP': current.keyType = integerOf(item); break;
        case 'WPKY': current.wrappedKey = Buffer.from(item.value); break;
        case 'PBKY': current.publicKey = Buffer.from(item.value); break;
        default: break; // Tags we do not need (TKMT, …) are skipped, not fatal.
      }
      continue;
    }
    switch (item.tag) {
      case 'VERS': header.version = integerOf(item); break;
      case 'TYPE': header.type = integerOf(item) & 0x3fffffff; break;
      case 'WRAP': header.wrap = integerOf(item); break;
      case 'SALT': header.salt = Buffer.from(item.value); break;
      case 'ITER': header.iterations = integerOf(item); break;
      case 'DPSL': header.doubleProtectionSalt = Buffer.from(item.value); break;
      case 'DPIC': header.doubleProtectionIterations = integerOf(item); break;
      default: break; // HMCK, DPWT and unknown tags are not needed to decrypt.
    }
  }
  finishClass();

  if (!header.salt || header.iterations === undefined) throw damagedKeybag('SALT or ITER is missing');
  if (header.iterations < 1) throw damagedKeybag('ITER is zero');
  const hasSalt = header.doubleProtectionSalt !== undefined;
  const hasRounds = header.doubleProtectionIterations !== undefined;
  if (hasSalt !== hasRounds) throw damagedKeybag('DPSL and DPIC must come together');
  if (hasRounds && (header.doubleProtectionIterations ?? 0) < 1) throw damagedKeybag('DPIC is zero');
  checkRounds('ITER', header.iterations, MAX_SHA1_ITERATIONS, 10_000);
  if (header.doubleProtectionIterations !== undefined) checkRounds('DPIC', header.doubleProtectionIterations, MAX_SHA256_ITERATIONS, 10_000_000);
  return { header: header as KeybagHeader, classKeys };
}

/**
 * Most PBKDF2 rounds a key bag may ask for: ten times what real backups use (ITER 10,000 and DPIC
 * 10,000,000, protocol.md §6.1). A hostile ITER of 2^31 − 1 kept a thread busy for tens of
 * minutes; 10× a real DPIC is about half a minute on a slow machine.
 */
export const MAX_SHA1_ITERATIONS = 100_000;
export const MAX_SHA256_ITERATIONS = 100_000_000;

function checkRounds(tag: string, rounds: number, limit: number, typical: number): void {
  if (rounds <= limit) return;
  const count = (value: number): string => value.toLocaleString('en-US');
  throw damagedKeybag(`${tag} asks for ${count(rounds)} rounds of key derivation; real backups use ${count(typical)} and Lifeboat refuses more than ${count(limit)}`);
}
