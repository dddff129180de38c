import { type AfcClient, AfcError, type AfcHandle, AfcOpenMode, AfcStatus } from '../../device/services';

/**
 * The Camera Roll as AFC shows it (protocol.md §4.5): `/DCIM/<folder>/<file>`, folders in the DCF
 * style `100APPLE`, `101APPLE`… (newer iOS also `YYYYMM__`), `.MISC` and other dot entries
 * skipped, symlinks never followed. Folders and files sorted numerically, as the phone numbers them.
 */
const DCIM_ROOT = '/DCIM';

/** Bytes per FileRead while copying: large requests keep the link busy (§4.2 allows up to the reply cap). */
export const COPY_CHUNK_BYTES = 1024 * 1024;

export interface DcimFile {
  /** Full AFC path, e.g. `/DCIM/100APPLE/IMG_0001.JPG`. */
  readonly devicePath: string;
  readonly folder: string;
  readonly name: string;
  readonly size: number;
  readonly modified: Date | undefined;
  readonly created: Date | undefined;
}

/** Numeric-aware, locale-independent order: `IMG_9` before `IMG_10`, `100APPLE` before `101APPLE`. */
function compareDcimNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

interface DcimFolder {
  readonly folder: string;
  readonly folderPath: string;
  /** The folder's entries, dot entries left out, in phone order. */
  readonly names: readonly string[];
}

/** Each Camera Roll folder (`/DCIM/100APPLE`…) with its names, in phone order. Missing /DCIM means none. */
async function* dcimFolders(afc: AfcClient, signal?: AbortSignal): AsyncGenerator<DcimFolder, void, undefined> {
  let folders: string[];
  try {
    folders = await afc.readDirectory(DCIM_ROOT);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const folder of folders.filter((name) => !name.startsWith('.')).sort(compareDcimNames)) {
    signal?.throwIfAborted();
    const folderPath = `${DCIM_ROOT}/${folder}`;
    const folderInfo = await afc.getFileInfo(folderPath);
    if (folderInfo.type !== 'directory') continue;
    yield { folder, folderPath, names: (await afc.readDirectory(folderPath)).filter((name) => !name.startsWith('.')).sort(compareDcimNames) };
  }
}

/** Every regular file of the Camera Roll, in phone order. Missing /DCIM means an empty roll. */
export async function listDcimFiles(afc: AfcClient, signal?: AbortSignal, onFound?: (count: number) => void): Promise<DcimFile[]> {
  const files: DcimFile[] = [];
  for await (const { folder, folderPath, names } of dcimFolders(afc, signal)) {
    for (const name of names) {
      signal?.throwIfAborted();
      const devicePath = `${folderPath}/${name}`;
      let info;
      try {
        info = await afc.getFileInfo(devicePath);
      } catch (error) {
        // Deleted on the phone between the listing and now: nothing to import.
        if (isNotFound(error)) continue;
        throw error;
      }
      if (info.type !== 'file') continue;
      files.push({ devicePath, folder, name, size: info.size, modified: info.modified, created: info.created });
      onFound?.(files.length);
    }
  }
  return files;
}

/**
 * The Camera Roll's paths (`/DCIM/100APPLE/IMG_0001.HEIC`) from the folder listings alone: one
 * request per folder rather than one per file, for counting what the phone holds (a real phone
 * answers each request in about a millisecond, and a Camera Roll holds tens of thousands). The
 * phone keeps only files in its `1xxAPPLE` folders, so no name is looked at further.
 */
export async function listDcimPaths(afc: AfcClient, signal?: AbortSignal): Promise<string[]> {
  const paths: string[] = [];
  for await (const { folderPath, names } of dcimFolders(afc, signal)) paths.push(...names.map((name) => `${folderPath}/${name}`));
  return paths;
}

function isNotFound(error: unknown): boolean {
  return error instanceof AfcError && error.status === AfcStatus.OBJECT_NOT_FOUND;
}

/**
 * One open file on the phone: range reads for the date and the fingerprint, then a sequential
 * stream for the copy. The handle is closed by `close()`, whatever happened.
 */
export class RemoteFile {
  private position = 0;

  private constructor(
    private readonly afc: AfcClient,
    private readonly handle: AfcHandle,
    readonly size: number,
  ) {}

  static async open(afc: AfcClient, devicePath: string, size: number): Promise<RemoteFile> {
    return new RemoteFile(afc, await afc.open(devicePath, AfcOpenMode.READ_ONLY), size);
  }

  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  async readAt(offset: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    if (wanted === 0) return Buffer.alloc(0);
    if (this.position !== offset) {
      await this.afc.seek(this.handle, offset, 'start');
      this.position = offset;
    }
    const parts: Buffer[] = [];
    let got = 0;
    while (got < wanted) {
      const chunk = await this.afc.read(this.handle, Math.min(wanted - got, COPY_CHUNK_BYTES));
      if (chunk.length === 0) break;
      parts.push(chunk);
      got += chunk.length;
      this.position += chunk.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, got);
  }

  /** The file from `offset` to its end, in chunks of at most `chunkBytes`. */
  async *stream(offset: number, chunkBytes = COPY_CHUNK_BYTES): AsyncGenerator<Buffer, void, undefined> {
    if (this.position !== offset) {
      await this.afc.seek(this.handle, offset, 'start');
      this.position = offset;
    }
    for (;;) {
      const chunk = await this.afc.read(this.handle, chunkBytes);
      if (chunk.length === 0) return;
      this.position += chunk.length;
      yield chunk;
    }
  }

  /** Closing fails quietly: after a dropped connection there is nothing left to close. */
  async close(): Promise<void> {
    await this.afc.close(this.handle).catch(() => undefined);
  }
}
