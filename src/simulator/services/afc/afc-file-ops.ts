import type { ServiceContext } from '../../device/service-context';
import type { PhoneEntry, PhoneEntryInput } from '../../phone/phone-model';
import { applyLock, releaseLock } from './afc-locks';
import { parentOf, resolveAfcPath, type PhoneLocation } from './afc-paths';
import { AfcStatus, AfcStatusError, readCString } from './afc-protocol';
import { readAll, readRange } from './phone-access';
import { statTarget } from './afc-path-ops';

/**
 * AFC file handles (protocol.md §4.2): FileOpen modes 1–6, FileRead/Write/Seek/Tell/Close/SetSize
 * and FileLock. Reads of untouched files go straight to the phone; a handle opened for writing
 * keeps the file's bytes in memory and stores them when closed.
 */
export const OpenMode = { ReadOnly: 1, ReadWrite: 2, WriteOnly: 3, WriteRead: 4, Append: 5, ReadAppend: 6 } as const;

/** FileRead answers at most this much per request; clients loop until they have what they want. */
const MAX_READ_BYTES = 8 * 1024 * 1024;
/** Files bigger than this cannot be opened for writing (they would be held in memory). */
const MAX_WRITABLE_BYTES = 512 * 1024 * 1024;

class OpenFile {
  position = 0;
  dirty = false;
  constructor(
    readonly location: PhoneLocation,
    readonly path: string,
    readonly mode: number,
    public entry: PhoneEntry | undefined,
    /** The bytes of a handle opened for writing; undefined for read-only handles. */
    public buffer: Buffer | undefined,
  ) {}

  get readable(): boolean {
    return this.mode !== OpenMode.WriteOnly && this.mode !== OpenMode.Append;
  }

  get writable(): boolean {
    return this.mode !== OpenMode.ReadOnly;
  }

  get size(): number {
    return this.buffer ? this.buffer.length : (this.entry?.size ?? 0);
  }
}

export class AfcFileHandles {
  private readonly open = new Map<bigint, OpenFile>();
  private nextHandle = 1n;

  constructor(private readonly context: ServiceContext) {}

  private get phone() {
    return this.context.phone;
  }

  private lookup(handle: bigint): OpenFile {
    const file = this.open.get(handle);
    if (!file) throw new AfcStatusError(AfcStatus.InvalidArg, `There is no open file with handle ${handle}.`);
    return file;
  }

  async fileOpen(args: Buffer): Promise<bigint> {
    if (args.length < 9) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileOpen needs a mode and a path.');
    const mode = Number(args.readBigUInt64LE(0));
    if (mode < OpenMode.ReadOnly || mode > OpenMode.ReadAppend) throw new AfcStatusError(AfcStatus.InvalidArg, `FileOpen mode ${mode} is not one of 1–6.`);
    const target = resolveAfcPath(readCString(args, 8).value);
    if (target.root) throw new AfcStatusError(AfcStatus.ObjectIsDir, 'The media folder itself cannot be opened as a file.');
    const existing = this.phone.entry(target.domain, target.relativePath);
    if (existing?.kind === 'directory') throw new AfcStatusError(AfcStatus.ObjectIsDir, `${target.path} is a directory.`);
    if (existing?.kind === 'symlink') throw new AfcStatusError(AfcStatus.InvalidArg, `${target.path} is a symbolic link; open its target instead.`);
    let buffer: Buffer | undefined;
    if (mode === OpenMode.ReadOnly) {
      if (!existing) throw new AfcStatusError(AfcStatus.ObjectNotFound, `${target.path} does not exist.`);
      if (this.context.faults().unreadablePaths?.includes(target.path)) throw new AfcStatusError(AfcStatus.PermDenied, `${target.path} cannot be read now.`);
    } else {
      const parent = statTarget(this.phone, parentOf(target));
      if (!parent || parent.kind !== 'directory') throw new AfcStatusError(AfcStatus.ObjectNotFound, `The folder for ${target.path} does not exist.`);
      const truncate = mode === OpenMode.WriteOnly || mode === OpenMode.WriteRead;
      if (existing && existing.size > MAX_WRITABLE_BYTES && !truncate) {
        throw new AfcStatusError(AfcStatus.NoResources, `${target.path} is too big to open for writing here.`);
      }
      buffer = existing && !truncate ? await readAll(this.phone, existing) : Buffer.alloc(0);
    }
    const file = new OpenFile(target, target.path, mode, existing, buffer);
    // O_CREAT and O_TRUNC take effect at open time, like on a real file system.
    if (mode !== OpenMode.ReadOnly && (!existing || mode === OpenMode.WriteOnly || mode === OpenMode.WriteRead)) {
      file.dirty = true;
      await this.flush(file);
    }
    if (mode === OpenMode.Append || mode === OpenMode.ReadAppend) file.position = file.size;
    const handle = this.nextHandle++;
    this.open.set(handle, file);
    return handle;
  }

  async fileRead(args: Buffer): Promise<Buffer> {
    if (args.length < 16) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileRead needs a handle and a length.');
    const file = this.lookup(args.readBigUInt64LE(0));
    if (!file.readable) throw new AfcStatusError(AfcStatus.PermDenied, `${file.path} was opened for writing only.`);
    const wanted = Number(BigInt.asUintN(53, args.readBigUInt64LE(8)));
    const length = Math.max(0, Math.min(wanted, MAX_READ_BYTES, file.size - file.position));
    if (length === 0) return Buffer.alloc(0);
    let bytes: Buffer;
    if (file.buffer) {
      bytes = Buffer.from(file.buffer.subarray(file.position, file.position + length));
    } else if (file.entry) {
      bytes = await readRange(this.phone, file.entry, file.position, length);
    } else {
      bytes = Buffer.alloc(0);
    }
    file.position += bytes.length;
    return bytes;
  }

  fileWrite(args: Buffer): void {
    if (args.length < 8) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileWrite needs a handle.');
    const file = this.lookup(args.readBigUInt64LE(0));
    if (!file.writable || !file.buffer) throw new AfcStatusError(AfcStatus.PermDenied, `${file.path} was opened read-only.`);
    const data = args.subarray(8);
    if (file.mode === OpenMode.Append || file.mode === OpenMode.ReadAppend) file.position = file.buffer.length;
    const end = file.position + data.length;
    const growth = Math.max(0, end - file.buffer.length);
    const free = this.context.faults().deviceFreeBytes ?? this.phone.freeBytes();
    if (growth > free) throw new AfcStatusError(AfcStatus.NoSpaceLeft, `The phone has no room for ${growth} more bytes.`);
    if (end > file.buffer.length) {
      const grown = Buffer.alloc(end);
      file.buffer.copy(grown);
      file.buffer = grown;
    }
    data.copy(file.buffer, file.position);
    file.position = end;
    file.dirty = true;
  }

  fileSeek(args: Buffer): void {
    if (args.length < 24) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileSeek needs a handle, a whence and an offset.');
    const file = this.lookup(args.readBigUInt64LE(0));
    const whence = Number(args.readBigUInt64LE(8));
    const offset = Number(args.readBigInt64LE(16));
    const base = whence === 0 ? 0 : whence === 1 ? file.position : whence === 2 ? file.size : Number.NaN;
    const position = base + offset;
    if (!Number.isFinite(position) || position < 0) throw new AfcStatusError(AfcStatus.InvalidArg, `Cannot seek to ${offset} from whence ${whence}.`);
    file.position = position;
  }

  fileTell(args: Buffer): number {
    if (args.length < 8) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileTell needs a handle.');
    return this.lookup(args.readBigUInt64LE(0)).position;
  }

  fileSetSize(args: Buffer): void {
    if (args.length < 16) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileSetSize needs a handle and a size.');
    const file = this.lookup(args.readBigUInt64LE(0));
    if (!file.writable || !file.buffer) throw new AfcStatusError(AfcStatus.PermDenied, `${file.path} was opened read-only.`);
    const size = Number(args.readBigUInt64LE(8));
    if (size > MAX_WRITABLE_BYTES) throw new AfcStatusError(AfcStatus.NoResources, `Cannot grow ${file.path} to ${size} bytes.`);
    const resized = Buffer.alloc(size);
    file.buffer.copy(resized, 0, 0, Math.min(size, file.buffer.length));
    file.buffer = resized;
    file.dirty = true;
  }

  fileLock(args: Buffer): void {
    if (args.length < 16) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileLock needs a handle and an operation.');
    const file = this.lookup(args.readBigUInt64LE(0));
    const outcome = applyLock(this.phone, lockKey(file.location), file, Number(args.readBigUInt64LE(8)));
    if (outcome === 'would-block') throw new AfcStatusError(AfcStatus.OpWouldBlock, `${file.path} is locked by another client.`);
    if (outcome === 'invalid') throw new AfcStatusError(AfcStatus.InvalidArg, 'FileLock wants LOCK_SH, LOCK_EX or LOCK_UN.');
  }

  async fileClose(args: Buffer): Promise<void> {
    if (args.length < 8) throw new AfcStatusError(AfcStatus.InvalidArg, 'FileClose needs a handle.');
    const handle = args.readBigUInt64LE(0);
    const file = this.lookup(handle);
    this.open.delete(handle);
    releaseLock(this.phone, lockKey(file.location), file);
    await this.flush(file);
  }

  /** The connection ended: store what was written and drop every lock this client held. */
  async closeAll(): Promise<void> {
    const files = [...this.open.values()];
    this.open.clear();
    for (const file of files) {
      releaseLock(this.phone, lockKey(file.location), file);
      await this.flush(file).catch((error: unknown) => this.context.log(`AFC could not store ${file.path}: ${String(error)}`));
    }
  }

  private async flush(file: OpenFile): Promise<void> {
    if (!file.dirty || !file.buffer) return;
    const now = Math.floor(Date.now() / 1000);
    const current = this.phone.entry(file.location.domain, file.location.relativePath) ?? file.entry;
    const input: PhoneEntryInput = current
      ? { ...withoutStoreFields(current), kind: 'file', mtime: now, ctime: now }
      : { ...file.location, kind: 'file', mode: 0o100644, uid: 501, gid: 501, mtime: now, ctime: now, birth: now, protectionClass: 3 };
    file.entry = await this.phone.writeFile(input, Buffer.from(file.buffer));
    file.dirty = false;
  }
}

function withoutStoreFields(entry: PhoneEntry): PhoneEntryInput {
  const { inode: _inode, size: _size, ...input } = entry;
  return input;
}

export function lockKey(location: PhoneLocation): string {
  return `${location.domain}\u0000${location.relativePath}`;
}
