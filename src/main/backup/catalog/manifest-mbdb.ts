import crypto from 'node:crypto';
import { BackupError } from '../backup-error';
import type { CatalogRow } from './manifest-source';
import { manifestEntryKind } from '../store';

/**
 * The iOS 5–9 index `Manifest.mbdb` (protocol.md §5.7): `mbdb` + `05 00`, then big-endian records
 * until the end. Content files of those backups sit flat in the folder, named by fileID (§5.2).
 */

const MAGIC = Buffer.from('mbdb\x05\x00', 'latin1');
const NULL_STRING = 0xffff;

class MbdbCursor {
  offset = MAGIC.length;
  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) {
      throw new BackupError('corrupt', `The backup's Manifest.mbdb ends in the middle of a record (at byte ${this.offset}); it is damaged.`);
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes.readUInt8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const value = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  skip(count: number): void {
    this.need(count);
    this.offset += count;
  }

  u64(): number {
    this.need(8);
    const value = this.bytes.readBigUInt64BE(this.offset);
    this.offset += 8;
    return Number(value);
  }

  string(): string {
    const length = this.u16();
    if (length === NULL_STRING) return '';
    this.need(length);
    const value = this.bytes.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

function isMbdb(bytes: Buffer): boolean {
  return bytes.length >= MAGIC.length && bytes.subarray(0, MAGIC.length).equals(MAGIC);
}

export function* mbdbRows(bytes: Buffer): Generator<CatalogRow> {
  if (!isMbdb(bytes)) throw new BackupError('corrupt', 'The backup\'s Manifest.mbdb does not start with the mbdb header; it is damaged.');
  const cursor = new MbdbCursor(bytes);
  while (!cursor.done) {
    const domain = cursor.string();
    const relativePath = cursor.string();
    cursor.string(); // link target
    cursor.string(); // data hash
    cursor.string(); // encryption key
    const mode = cursor.u16();
    cursor.skip(8 + 4 + 4 + 12); // inode, uid, gid, three times
    const size = cursor.u64();
    cursor.u8(); // protection class
    const properties = cursor.u8();
    for (let index = 0; index < properties; index += 1) {
      cursor.string();
      cursor.string();
    }
    const kind = manifestEntryKind(0, mode);
    const fileId = crypto.createHash('sha1').update(`${domain}-${relativePath}`, 'utf8').digest('hex');
    yield { fileId, domain, relativePath, flags: 0, kind, size: kind === 'file' ? size : 0 };
  }
}
