import type { Phone, PhoneApp, PhoneEntry, PhoneEntryInput, PhoneStats } from '../../../phone/phone-model';

/**
 * A tiny in-memory Phone for the mobilebackup2 unit tests, so the engines can be exercised
 * without the real phone store. Entries are kept sorted by domain then relativePath, like the store.
 */
export class MemoryPhone implements Phone {
  private readonly items = new Map<string, { entry: PhoneEntry; content: Buffer }>();
  private nextInode = 1000;
  private factory = false;

  constructor(private readonly capacity = 64 * 1024 * 1024 * 1024) {}

  *entries(): IterableIterator<PhoneEntry> {
    const keys = [...this.items.keys()].sort(compareKeys);
    for (const key of keys) {
      const item = this.items.get(key);
      if (item) yield item.entry;
    }
  }

  entry(domain: string, relativePath: string): PhoneEntry | undefined {
    return this.items.get(keyOf(domain, relativePath))?.entry;
  }

  stats(): PhoneStats {
    let fileCount = 0;
    let totalBytes = 0;
    let cameraRollFiles = 0;
    let cameraRollBytes = 0;
    for (const { entry } of this.items.values()) {
      if (entry.kind !== 'file') continue;
      fileCount += 1;
      totalBytes += entry.size;
      if (entry.domain === 'CameraRollDomain') {
        cameraRollFiles += 1;
        cameraRollBytes += entry.size;
      }
    }
    return { fileCount, entryCount: this.items.size, totalBytes, cameraRollFiles, cameraRollBytes };
  }

  apps(): readonly PhoneApp[] {
    return [{ bundleId: 'com.example.notes', name: 'Notes Plus', version: '1.2', bundlePath: '/private/var/containers/Bundle/Application/X/Notes.app' }];
  }

  async *readContent(entry: PhoneEntry, chunkSize = 32 * 1024): AsyncIterable<Buffer> {
    const content = this.items.get(keyOf(entry.domain, entry.relativePath))?.content ?? Buffer.alloc(0);
    for (let offset = 0; offset < content.length; offset += chunkSize) yield content.subarray(offset, offset + chunkSize);
  }

  async writeFile(input: PhoneEntryInput, content: Buffer | AsyncIterable<Buffer>): Promise<PhoneEntry> {
    let bytes: Buffer;
    if (Buffer.isBuffer(content)) bytes = content;
    else {
      const parts: Buffer[] = [];
      for await (const part of content) parts.push(part);
      bytes = Buffer.concat(parts);
    }
    const entry: PhoneEntry = { ...input, kind: 'file', inode: this.inodeFor(input), size: bytes.length };
    this.items.set(keyOf(input.domain, input.relativePath), { entry, content: bytes });
    this.factory = false;
    return entry;
  }

  putEntry(input: PhoneEntryInput): PhoneEntry {
    const entry: PhoneEntry = { ...input, inode: this.inodeFor(input), size: 0 };
    this.items.set(keyOf(input.domain, input.relativePath), { entry, content: Buffer.alloc(0) });
    return entry;
  }

  removeEntry(domain: string, relativePath: string): void {
    for (const key of [...this.items.keys()]) {
      const item = this.items.get(key);
      if (!item || item.entry.domain !== domain) continue;
      const path = item.entry.relativePath;
      if (path === relativePath || (relativePath === '' ? true : path.startsWith(`${relativePath}/`))) this.items.delete(key);
    }
  }

  eraseToFactory(): void {
    for (const [key, item] of this.items) {
      if (!item.entry.domain.startsWith('SystemPreferencesDomain')) this.items.delete(key);
    }
    this.factory = true;
  }

  isFactoryState(): boolean {
    return this.factory;
  }

  capacityBytes(): number {
    return this.capacity;
  }

  freeBytes(): number {
    return this.capacity - this.stats().totalBytes;
  }

  /** Nothing runs in the background here. */
  settled(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}

  /** Test helper: the raw content of a file. */
  contentOf(domain: string, relativePath: string): Buffer | undefined {
    return this.items.get(keyOf(domain, relativePath))?.content;
  }

  private inodeFor(input: PhoneEntryInput): number {
    return this.items.get(keyOf(input.domain, input.relativePath))?.entry.inode ?? this.nextInode++;
  }
}

function keyOf(domain: string, relativePath: string): string {
  return `${domain}\u0000${relativePath}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A small phone with files, directories and a symlink in a few domains. */
export async function createSamplePhone(): Promise<MemoryPhone> {
  const phone = new MemoryPhone();
  const base = { uid: 501, gid: 501, mtime: 1_700_000_000, ctime: 1_700_000_000, birth: 1_690_000_000, protectionClass: 3 };
  phone.putEntry({ ...base, domain: 'HomeDomain', relativePath: '', kind: 'directory', mode: 0o40755 });
  phone.putEntry({ ...base, domain: 'HomeDomain', relativePath: 'Library', kind: 'directory', mode: 0o40755 });
  await phone.writeFile({ ...base, domain: 'HomeDomain', relativePath: 'Library/SMS/sms.db', kind: 'file', mode: 0o100644 }, Buffer.from('sms database '.repeat(5000)));
  await phone.writeFile({ ...base, domain: 'HomeDomain', relativePath: 'Library/empty.txt', kind: 'file', mode: 0o100600 }, Buffer.alloc(0));
  await phone.writeFile({ ...base, domain: 'HomeDomain', relativePath: 'Library/sixteen.bin', kind: 'file', mode: 0o100644, protectionClass: 4 }, Buffer.alloc(16, 7));
  phone.putEntry({ ...base, domain: 'HomeDomain', relativePath: 'Library/link', kind: 'symlink', mode: 0o120755, linkTarget: 'SMS/sms.db' });
  await phone.writeFile({ ...base, domain: 'CameraRollDomain', relativePath: 'Media/DCIM/100APPLE/IMG_0001.JPG', kind: 'file', mode: 0o100644 }, Buffer.alloc(100_000, 0x5a));
  await phone.writeFile({ ...base, domain: 'MediaDomain', relativePath: 'Media/iTunes_Control/iTunes/iTunesPrefs', kind: 'file', mode: 0o100644 }, Buffer.from('control'));
  await phone.writeFile({ ...base, domain: 'SystemPreferencesDomain', relativePath: 'SystemConfiguration/preferences.plist', kind: 'file', mode: 0o100600 }, Buffer.from('<plist/>'));
  return phone;
}
