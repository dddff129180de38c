import crypto from 'node:crypto';
import { encodePlist, type PlistDict } from '../../../device/codec';
import { wrapKey } from '../aes-key-wrap';
import { deriveKeyEncryptionKey } from '../key-derivation';
import type { KeybagHeader } from '../keybag';

/**
 * Test support: builds the key material of an encrypted backup the way protocol.md §6.8 describes,
 * written independently of the simulator's backup-format library so each can check the other.
 */

interface TestKeybagOptions {
  readonly password: string;
  /** PBKDF2-SHA256 rounds; 0 leaves DPSL/DPIC out (an iOS ≤ 10.1 keybag). */
  readonly sha256Iterations?: number;
  readonly sha1Iterations?: number;
  readonly classes?: readonly number[];
}

export interface TestKeybag {
  readonly bytes: Buffer;
  readonly header: KeybagHeader;
  readonly classKeys: ReadonlyMap<number, Buffer>;
}

function item(tag: string, value: Buffer | number): Buffer {
  const body = typeof value === 'number' ? Buffer.alloc(4) : value;
  if (typeof value === 'number') body.writeUInt32BE(value);
  const head = Buffer.alloc(8);
  head.write(tag, 0, 'latin1');
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

export async function buildTestKeybag(options: TestKeybagOptions): Promise<TestKeybag> {
  const sha256Iterations = options.sha256Iterations ?? 10;
  const header: KeybagHeader = {
    version: 4,
    type: 1,
    uuid: crypto.randomBytes(16),
    wrap: 0,
    salt: crypto.randomBytes(20),
    iterations: options.sha1Iterations ?? 10,
    ...(sha256Iterations > 0 ? { doubleProtectionSalt: crypto.randomBytes(20), doubleProtectionIterations: sha256Iterations } : {}),
  };
  const kek = await deriveKeyEncryptionKey(options.password, header);
  const parts = [
    item('VERS', 4),
    item('TYPE', 1),
    item('UUID', header.uuid ?? Buffer.alloc(16)),
    item('HMCK', crypto.randomBytes(40)),
    item('WRAP', 0),
    item('SALT', header.salt),
    item('ITER', header.iterations),
  ];
  if (header.doubleProtectionSalt && header.doubleProtectionIterations) {
    parts.push(item('DPWT', 1), item('DPIC', header.doubleProtectionIterations), item('DPSL', header.doubleProtectionSalt));
  }
  const classKeys = new Map<number, Buffer>();
  for (const protectionClass of options.classes ?? [1, 2, 3, 4]) {
    const key = crypto.randomBytes(32);
    classKeys.set(protectionClass, key);
    parts.push(item('UUID', crypto.randomBytes(16)), item('CLAS', protectionClass), item('WRAP', 3), item('KTYP', 0), item('WPKY', wrapKey(kek, key)));
  }
  return { bytes: Buffer.concat(parts), header, classKeys };
}

/** `u32 LE class + wrap(classKey, key)`: the shape of ManifestKey and MBFile EncryptionKey. */
export function classWrappedKey(keybag: TestKeybag, protectionClass: number, key: Buffer): Buffer {
  const classKey = keybag.classKeys.get(protectionClass);
  if (!classKey) throw new Error(`The test keybag has no class ${protectionClass}.`);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(protectionClass);
  return Buffer.concat([prefix, wrapKey(classKey, key)]);
}

/** A binary Manifest.plist for an encrypted backup with the given Manifest.db key (class 4). */
export function encryptedManifestPlist(keybag: TestKeybag, manifestDbKey: Buffer | undefined, extra: PlistDict = {}): Buffer {
  return encodePlist(
    {
      Version: '10.0',
      IsEncrypted: true,
      BackupKeyBag: keybag.bytes,
      ...(manifestDbKey ? { ManifestKey: classWrappedKey(keybag, 4, manifestDbKey) } : {}),
      ...extra,
    },
    'binary',
  );
}
