import { createHash } from 'node:crypto';
import type { ServiceContext } from '../../device/service-context';
import type { Phone, PhoneEntry } from '../../phone/phone-model';
import { MEDIA_ROOT, parentOf, resolveAfcPath, ROOT_MOUNTS, type AfcTarget } from './afc-paths';
import { AfcStatus, AfcStatusError, readCString } from './afc-protocol';
import { childrenOf, moveEntry, readAll, setModificationTime } from './phone-access';

/**
 * Path operations of AFC (protocol.md §4.2, §4.4): directory listing, file info, device info,
 * creating, removing, renaming, linking and re-timing entries of the media folder.
 */
const BLOCK_SIZE = 4096;
const NS_PER_SECOND = 1_000_000_000n;

/** The entry behind an AFC path; the jail root is shown as MediaDomain's Media directory. */
export function statTarget(phone: Phone, target: AfcTarget): PhoneEntry | undefined {
  if (target.root) {
    return phone.entry(MEDIA_ROOT.domain, MEDIA_ROOT.relativePath) ?? {
      ...MEDIA_ROOT, kind: 'directory', mode: 0o040755, uid: 501, gid: 501, mtime: 0, ctime: 0, birth: 0, size: 0, inode: 1, protectionClass: 0,
    };
  }
  return phone.entry(target.domain, target.relativePath);
}

function existingEntry(phone: Phone, target: AfcTarget): PhoneEntry {
  const entry = statTarget(phone, target);
  if (!entry) throw new AfcStatusError(AfcStatus.ObjectNotFound, `${target.path} does not exist.`);
  return entry;
}

function notRoot(target: AfcTarget, what: string): Exclude<AfcTarget, { root: true }> {
  if (target.root) throw new AfcStatusError(AfcStatus.PermDenied, `The media folder itself cannot be ${what}.`);
  return target;
}

function childNames(phone: Phone, target: AfcTarget): string[] {
  if (!target.root) {
    const prefixLength = target.relativePath === '' ? 0 : target.relativePath.length + 1;
    return childrenOf(phone, target.domain, target.relativePath).map((e) => e.relativePath.slice(prefixLength));
  }
  const mounted = new Set(ROOT_MOUNTS.map((m) => m.name));
  const names = childrenOf(phone, MEDIA_ROOT.domain, MEDIA_ROOT.relativePath)
    .map((e) => e.relativePath.slice(MEDIA_ROOT.relativePath.length + 1))
    .filter((name) => !mounted.has(name));
  for (const mount of ROOT_MOUNTS) {
    if (phone.entry(mount.location.domain, mount.location.relativePath)) names.push(mount.name);
  }
  return names;
}

export class AfcPathOps {
  constructor(private readonly context: ServiceContext) {}

  private get phone(): Phone {
    return this.context.phone;
  }

  readDirectory(args: Buffer): string[] {
    const target = resolveAfcPath(readCString(args).value);
    const entry = existingEntry(this.phone, target);
    if (entry.kind !== 'directory') throw new AfcStatusError(AfcStatus.InvalidArg, `${target.path} is not a directory.`);
    const names = childNames(this.phone, target).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return ['.', '..', ...names];
  }

  /** key/value pairs of §4.4; times in nanoseconds. */
  getFileInfo(args: Buffer): string[] {
    const target = resolveAfcPath(readCString(args).value);
    const entry = existingEntry(this.phone, target);
    const ifmt = entry.kind === 'file' ? 'S_IFREG' : entry.kind === 'directory' ? 'S_IFDIR' : 'S_IFLNK';
    const nlink = entry.kind === 'directory' ? 2 + childNames(this.phone, target).length : 1;
    const pairs = [
      'st_size', String(entry.kind === 'directory' ? 64 + 32 * (nlink - 2) : entry.kind === 'symlink' ? Buffer.byteLength(entry.linkTarget ?? '') : entry.size),
      'st_blocks', String(Math.ceil(entry.size / BLOCK_SIZE) * (BLOCK_SIZE / 512)),
      'st_nlink', String(nlink),
      'st_ifmt', ifmt,
      'st_mtime', String(BigInt(entry.mtime) * NS_PER_SECOND),
      'st_birthtime', String(BigInt(entry.birth) * NS_PER_SECOND),
    ];
    if (entry.kind === 'symlink') pairs.push('LinkTarget', entry.linkTarget ?? '');
    return pairs;
  }

  getDeviceInfo(): string[] {
    const free = this.context.faults().deviceFreeBytes ?? this.phone.freeBytes();
    return [
      'Model', this.context.identity.productType,
      'FSTotalBytes', String(this.phone.capacityBytes()),
      'FSFreeBytes', String(free),
      'FSBlockSize', String(BLOCK_SIZE),
    ];
  }

  /** MakeDir creates missing parents too, like `mkdir -p`. */
  makeDir(args: Buffer): void {
    const target = resolveAfcPath(readCString(args).value);
    const existing = statTarget(this.phone, target);
    if (existing) {
      if (existing.kind !== 'directory') throw new AfcStatusError(AfcStatus.ObjectExists, `${target.path} exists and is not a directory.`);
      return;
    }
    const location = notRoot(target, 'created');
    const now = Math.floor(Date.now() / 1000);
    this.phone.putEntry({ ...location, kind: 'directory', mode: 0o040755, uid: 501, gid: 501, mtime: now, ctime: now, birth: now, protectionClass: 0 });
  }

  removePath(args: Buffer): void {
    const target = notRoot(resolveAfcPath(readCString(args).value), 'removed');
    const entry = existingEntry(this.phone, target);
    if (entry.kind === 'directory' && childNames(this.phone, target).length > 0) {
      throw new AfcStatusError(AfcStatus.UnknownError, `${target.path} is not empty.`);
    }
    this.phone.removeEntry(target.domain, target.relativePath);
  }

  removePathAndContents(args: Buffer): void {
    const target = notRoot(resolveAfcPath(readCString(args).value), 'removed');
    existingEntry(this.phone, target);
    this.phone.removeEntry(target.domain, target.relativePath);
  }

  async renamePath(args: Buffer): Promise<void> {
    const from = readCString(args);
    const source = notRoot(resolveAfcPath(from.value), 'renamed');
    const destination = notRoot(resolveAfcPath(readCString(args, from.next).value), 'replaced');
    const entry = existingEntry(this.phone, source);
    if (!statTarget(this.phone, parentOf(destination))) {
      throw new AfcStatusError(AfcStatus.ObjectNotFound, `The folder for ${destination.path} does not exist.`);
    }
    if (`${destination.path}/`.startsWith(`${source.path}/`) && destination.path !== source.path) {
      throw new AfcStatusError(AfcStatus.InvalidArg, `Cannot move ${source.path} into itself.`);
    }
    const existing = statTarget(this.phone, destination);
    if (existing?.kind === 'directory' && childNames(this.phone, destination).length > 0) {
      throw new AfcStatusError(AfcStatus.ObjectExists, `${destination.path} is a folder that is not empty.`);
    }
    await moveEntry(this.phone, entry, destination.domain, destination.relativePath);
  }

  async truncate(args: Buffer): Promise<void> {
    if (args.length < 9) throw new AfcStatusError(AfcStatus.InvalidArg, 'Truncate needs a size and a path.');
    const size = Number(args.readBigUInt64LE(0));
    const target = notRoot(resolveAfcPath(readCString(args, 8).value), 'truncated');
    const entry = existingEntry(this.phone, target);
    if (entry.kind !== 'file') throw new AfcStatusError(AfcStatus.ObjectIsDir, `${target.path} is not a file.`);
    const bytes = Buffer.alloc(size);
    (await readAll(this.phone, entry)).copy(bytes, 0, 0, Math.min(size, entry.size));
    const { inode: _inode, size: _size, ...input } = entry;
    const now = Math.floor(Date.now() / 1000);
    await this.phone.writeFile({ ...input, mtime: now, ctime: now }, bytes);
  }

  /** Symbolic links keep the target text as given; hard links become a copy (no shared inodes here). */
  async makeLink(args: Buffer): Promise<void> {
    if (args.length < 10) throw new AfcStatusError(AfcStatus.InvalidArg, 'MakeLink needs a type, a target and a name.');
    const type = Number(args.readBigUInt64LE(0));
    const linkTarget = readCString(args, 8);
    const link = notRoot(resolveAfcPath(readCString(args, linkTarget.next).value), 'replaced');
    if (statTarget(this.phone, link)) throw new AfcStatusError(AfcStatus.ObjectExists, `${link.path} already exists.`);
    if (!statTarget(this.phone, parentOf(link))) throw new AfcStatusError(AfcStatus.ObjectNotFound, `The folder for ${link.path} does not exist.`);
    const now = Math.floor(Date.now() / 1000);
    const base = { ...link, uid: 501, gid: 501, mtime: now, ctime: now, birth: now };
    if (type === 2) {
      this.phone.putEntry({ ...base, kind: 'symlink', mode: 0o120755, protectionClass: 0, linkTarget: linkTarget.value });
    } else if (type === 1) {
      const source = existingEntry(this.phone, resolveAfcPath(linkTarget.value));
      if (source.kind !== 'file') throw new AfcStatusError(AfcStatus.InvalidArg, 'Hard links can only point at files.');
      await this.phone.writeFile({ ...base, kind: 'file', mode: source.mode, protectionClass: source.protectionClass }, await readAll(this.phone, source));
    } else {
      throw new AfcStatusError(AfcStatus.InvalidArg, `MakeLink type ${type} is neither 1 (hard) nor 2 (symbolic).`);
    }
  }

  async setFileModTime(args: Buffer): Promise<void> {
    if (args.length < 9) throw new AfcStatusError(AfcStatus.InvalidArg, 'SetFileModTime needs a time and a path.');
    const seconds = Number(args.readBigUInt64LE(0) / NS_PER_SECOND);
    const target = notRoot(resolveAfcPath(readCString(args, 8).value), 're-timed');
    await setModificationTime(this.phone, existingEntry(this.phone, target), seconds);
  }

  /** SHA-1 of a file, optionally of the byte range [start, end). */
  async getFileHash(args: Buffer, withRange: boolean): Promise<Buffer> {
    const start = withRange && args.length >= 16 ? Number(args.readBigUInt64LE(0)) : 0;
    const end = withRange && args.length >= 16 ? Number(args.readBigUInt64LE(8)) : Number.MAX_SAFE_INTEGER;
    const target = resolveAfcPath(readCString(args, withRange ? 16 : 0).value);
    const entry = existingEntry(this.phone, target);
    if (entry.kind !== 'file') throw new AfcStatusError(AfcStatus.ObjectIsDir, `${target.path} is not a file.`);
    const bytes = await readAll(this.phone, entry);
    return createHash('sha1').update(bytes.subarray(start, Math.min(end, bytes.length))).digest();
  }
}
