import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodePlist, encodePlist, isPlistDict, plistString } from '../../main/device/codec';

/**
 * usbmuxd's pair-record store, laid out like /var/lib/lockdown (protocol.md §1.1, §2.5.3):
 * `<dir>/<UDID>.plist` (binary plist) per paired device and `SystemConfiguration.plist` holding
 * the SystemBUID, which is generated once and survives restarts.
 */
export class PairRecordStore {
  private cachedBuid: string | undefined;

  constructor(readonly directory: string) {
    fs.mkdirSync(directory, { recursive: true });
  }

  systemBuid(): string {
    if (this.cachedBuid) return this.cachedBuid;
    const file = path.join(this.directory, 'SystemConfiguration.plist');
    if (fs.existsSync(file)) {
      const config = decodePlist(fs.readFileSync(file));
      const buid = isPlistDict(config) ? plistString(config.SystemBUID) : undefined;
      if (buid) return (this.cachedBuid = buid);
    }
    const buid = randomUUID().toUpperCase();
    fs.writeFileSync(file, encodePlist({ SystemBUID: buid }, 'xml'));
    return (this.cachedBuid = buid);
  }

  read(udid: string): Buffer | undefined {
    const file = this.fileFor(udid);
    return file && fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  }

  /** Stores the record re-encoded as a binary plist; false when the bytes are not a plist dict. */
  save(udid: string, record: Buffer): boolean {
    const file = this.fileFor(udid);
    if (!file) return false;
    let value;
    try {
      value = decodePlist(record);
    } catch {
      return false;
    }
    if (!isPlistDict(value)) return false;
    const temporary = `${file}.tmp`;
    fs.writeFileSync(temporary, encodePlist(value, 'binary'));
    fs.renameSync(temporary, file);
    return true;
  }

  /** True when a record existed. */
  delete(udid: string): boolean {
    const file = this.fileFor(udid);
    if (!file || !fs.existsSync(file)) return false;
    fs.rmSync(file);
    return true;
  }

  /** A UDID is a file name here, so anything that could escape the directory is refused. */
  private fileFor(udid: string): string | undefined {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(udid)) return undefined;
    return path.join(this.directory, `${udid}.plist`);
  }
}
