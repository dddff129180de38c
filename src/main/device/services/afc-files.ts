import type { AfcFileInfo } from './afc-info';
import { AfcOpenMode, type AfcOpenModeValue } from './afc-protocol';

/** AfcClient's AfcHandle: the 64-bit handle the phone gives an open file (protocol.md §4). */
type AfcHandle = bigint;

/**
 * The AFC calls these helpers make, which AfcClient has: named here rather than imported, because
 * AfcClient offers these helpers as its own methods and the two files would import each other.
 */
interface AfcFileCalls {
  readDirectory(path: string): Promise<string[]>;
  getFileInfo(path: string): Promise<AfcFileInfo>;
  open(path: string, mode?: AfcOpenModeValue): Promise<AfcHandle>;
  read(handle: AfcHandle, length?: number): Promise<Buffer>;
  write(handle: AfcHandle, data: Uint8Array): Promise<void>;
  close(handle: AfcHandle): Promise<void>;
}
import { ServiceError } from './service-error';

/**
 * Whole-file conveniences over the AFC primitives (protocol.md §4.5 "Reading DCIM with AFC"):
 * open, loop FileRead/FileWrite, close — streaming, so a 4 GB video never sits in memory.
 */

export type WriteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface AfcWalkEntry {
  /** Full AFC path (`/DCIM/100APPLE/IMG_0001.HEIC`). */
  readonly path: string;
  readonly info: AfcFileInfo;
}

export async function* readFileChunks(afc: AfcFileCalls, path: string, chunkBytes: number): AsyncGenerator<Buffer, void, undefined> {
  const handle = await afc.open(path, AfcOpenMode.READ_ONLY);
  let failed = false;
  try {
    for (;;) {
      const chunk = await afc.read(handle, chunkBytes);
      if (chunk.length === 0) return;
      yield chunk;
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // Closing after a broken connection would only hide the real error behind a second one.
    await afc.close(handle).catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
}

export async function readFileToBuffer(afc: AfcFileCalls, path: string, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of readFileChunks(afc, path, 64 * 1024)) {
    total += chunk.length;
    if (total > limitBytes) {
      throw new ServiceError('too-large', `${path} on the device is larger than the ${limitBytes} bytes expected; read it as a stream instead.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Opens with "w+" (create, truncate) like idevicebackup2's RestoreApplications.plist write (§7.3). */
export async function writeFileFrom(afc: AfcFileCalls, path: string, source: WriteSource): Promise<number> {
  const handle = await afc.open(path, AfcOpenMode.WRITE_READ);
  let written = 0;
  let failed = false;
  try {
    if (source instanceof Uint8Array) {
      await afc.write(handle, source);
      written = source.length;
    } else {
      for await (const chunk of source) {
        await afc.write(handle, chunk);
        written += chunk.length;
      }
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await afc.close(handle).catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
  return written;
}

export async function* walkTree(afc: AfcFileCalls, directory: string): AsyncGenerator<AfcWalkEntry, void, undefined> {
  const names = (await afc.readDirectory(directory)).sort(compareNames);
  for (const name of names) {
    const path = joinAfcPath(directory, name);
    const info = await afc.getFileInfo(path);
    yield { path, info };
    if (info.type === 'directory') yield* walkTree(afc, path);
  }
}

function joinAfcPath(directory: string, name: string): string {
  return directory.endsWith('/') ? `${directory}${name}` : `${directory}/${name}`;
}

/** Numeric-aware order, so `IMG_10` follows `IMG_9` and `100APPLE` precedes `101APPLE` (§4.5). */
function compareNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
