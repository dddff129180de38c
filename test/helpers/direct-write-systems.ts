import fs from 'node:fs';
import { type DirectWriteSystem, nodeDirectWriteSystem, type StreamedHandle } from '../../src/main/backup/store/new-file-writes';

/**
 * File systems and memory that fail the ways this machine's never do, for NewFileWrites and
 * StreamedNewFile (src/main/backup/store/new-file-writes.ts). Each call makes a new system, so
 * it shares no kept staging memory with Node's or another test's.
 */

/** Whether `folder` is on a local disk's file system (ext4, XFS), where the writers try O_DIRECT. */
export function onLocalDisk(folder: string): boolean {
  return fs.constants.O_DIRECT !== undefined && [0xef53, 0x58465342].includes(Number(fs.statfsSync(folder).type));
}

/** Whether `folder` is on a local disk whose file system takes O_DIRECT at open. */
export function takesDirect(folder: string): boolean {
  if (!onLocalDisk(folder)) return false;
  const probe = `${folder}/probe-${process.pid}`;
  try {
    fs.closeSync(fs.openSync(probe, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DIRECT, 0o600));
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

export function errnoError(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall });
}

/** No page-aligned memory to be had, as under `ulimit -v`. */
export const refusingMemory = (): DirectWriteSystem => ({
  ...nodeDirectWriteSystem,
  alignedMemory: () => {
    throw new RangeError('WebAssembly.Memory(): could not allocate memory');
  },
});

/** NewFileWrites' direct writes refused after O_DIRECT was taken at open (a logical block over 4 KiB). */
export const refusingDirectWriteSync = (): DirectWriteSystem => ({
  ...nodeDirectWriteSystem,
  writeSync: () => {
    throw errnoError('EINVAL', 'write');
  },
});

/**
 * A file system that takes O_DIRECT at open (the file is opened without it underneath, so any disk
 * will do) and refuses direct writes after the first `taken` (EINVAL). With `short`, each direct
 * write taken writes only half what it is given, as a short write does.
 */
export function refusingDirectWrites(taken: number, short = false, base: DirectWriteSystem = nodeDirectWriteSystem): DirectWriteSystem {
  const direct = fs.constants.O_DIRECT ?? 0;
  let writes = 0;
  return {
    ...base,
    async open(file, flags, mode) {
      if (typeof flags !== 'number' || (flags & direct) === 0) return base.open(file, flags, mode);
      const handle = await base.open(file, flags & ~direct, mode);
      return wrapped(handle, (buffer, offset, length, position) => {
        writes += 1;
        if (writes > taken) return Promise.reject(errnoError('EINVAL', 'write'));
        return handle.write(buffer, offset, short ? Math.min(length, Math.max(512, Math.floor(length / 1024) * 512)) : length, position);
      });
    },
  };
}

/** Every write after the first `taken` of any file fails with EIO, as a failing disk's do. */
export function failingWrites(taken: number, base: DirectWriteSystem = nodeDirectWriteSystem): DirectWriteSystem {
  let writes = 0;
  return {
    ...base,
    async open(file, flags, mode) {
      const handle = await base.open(file, flags, mode);
      return wrapped(handle, (buffer, offset, length, position) => {
        writes += 1;
        return writes > taken ? Promise.reject(errnoError('EIO', 'write')) : handle.write(buffer, offset, length, position);
      });
    },
  };
}

function wrapped(handle: StreamedHandle, write: StreamedHandle['write']): StreamedHandle {
  return { write, truncate: (length) => handle.truncate(length), close: () => handle.close() };
}

/** How many of this process's file descriptors are open on a file in `folder` (Linux's /proc). */
export function openFdsIn(folder: string): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${folder}/`)) count += 1;
    } catch {
      // Closed since the listing (readdir's own descriptor).
    }
  }
  return count;
}
