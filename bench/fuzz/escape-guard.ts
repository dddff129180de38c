import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Notices a case touching the file system outside the folders it was given. Every path-taking
 * function of node:fs and node:fs/promises is wrapped while a case runs, and a path that resolves
 * outside the case's folder (reads may also load code from `readRoots`) is recorded. What the
 * wrappers cannot see (native code such as SQLite, the whole-file writer's threads, the kernel
 * following a symbolic link) is caught afterwards by the sentinel check in fuzz-cases.ts.
 */
export interface FsAccess {
  readonly operation: string;
  readonly path: string;
}

const WRITES = ['open', 'writeFile', 'appendFile', 'mkdir', 'rm', 'rmdir', 'unlink', 'rename', 'copyFile', 'link', 'symlink', 'utimes', 'truncate', 'chmod', 'createWriteStream', 'cp'];
const READS = ['readFile', 'stat', 'lstat', 'readdir', 'opendir', 'realpath', 'exists', 'access', 'createReadStream', 'readlink'];
/** Operations whose second argument is a path too (a symlink's target is text, not an access). */
const TWO_PATHS = new Set(['rename', 'copyFile', 'link', 'cp']);

let active: { readonly allowed: string; readonly readRoots: readonly string[]; readonly seen: FsAccess[] } | undefined;
let installed = false;

function toPath(value: unknown): string | undefined {
  if (typeof value === 'string') return path.resolve(value);
  if (Buffer.isBuffer(value)) return path.resolve(value.toString('utf8'));
  if (value instanceof URL && value.protocol === 'file:') return fileURLToPath(value);
  return undefined;
}

function inside(target: string, root: string): boolean {
  return target === root || target.startsWith(`${root}${path.sep}`);
}

function check(operation: string, value: unknown, writing: boolean): void {
  if (!active) return;
  const target = toPath(value);
  if (target === undefined || inside(target, active.allowed)) return;
  if (!writing && (target.startsWith('/dev/') || target.startsWith('/proc/') || active.readRoots.some((root) => inside(target, root)))) return;
  // fs.open with a read-only flag is a read.
  active.seen.push({ operation, path: target });
}

function wrap(target: Record<string, unknown>, name: string, writing: boolean): void {
  const original = target[name];
  if (typeof original !== 'function') return;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const isReadOpen = (name.startsWith('open') && (args[1] === undefined || args[1] === 'r' || args[1] === 0 || typeof args[1] === 'function')) || name === 'openSync' && args[1] === undefined;
    check(name, args[0], writing && !isReadOpen);
    if (TWO_PATHS.has(name.replace(/Sync$/, ''))) check(name, args[1], writing);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true });
}

/** Wraps node:fs once per process (before any case), then makes ESM named imports see the wrappers. */
export function installEscapeGuard(): void {
  if (installed) return;
  installed = true;
  const syncTarget = fs as unknown as Record<string, unknown>;
  const promiseTarget = fsPromises as unknown as Record<string, unknown>;
  for (const [names, writing] of [[WRITES, true], [READS, false]] as const) {
    for (const name of names) {
      wrap(syncTarget, name, writing);
      wrap(syncTarget, `${name}Sync`, writing);
      wrap(promiseTarget, name, writing);
    }
  }
  syncBuiltinESMExports();
}

/** Runs `body` with the guard watching; returns what it saw outside `allowed`. */
export async function watchAccesses<T>(allowed: string, readRoots: readonly string[], body: () => Promise<T>): Promise<{ readonly result: PromiseSettledResult<T>; readonly outside: readonly FsAccess[] }> {
  const seen: FsAccess[] = [];
  active = { allowed: path.resolve(allowed), readRoots, seen };
  try {
    const value = await body();
    return { result: { status: 'fulfilled', value }, outside: seen };
  } catch (reason) {
    return { result: { status: 'rejected', reason }, outside: seen };
  } finally {
    active = undefined;
  }
}
