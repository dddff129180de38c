import { Worker } from 'node:worker_threads';
import { BackupError } from '../backup-error';

/**
 * PBKDF2 on a thread of its own, so that cancelling really stops it (issue 13): Node's
 * `crypto.pbkdf2` runs on a libuv pool thread that cannot be stopped, so an abandoned derivation
 * of a 10-million-round key bag (protocol.md §6.2) kept a core busy for seconds after cancel, and
 * held one of the pool's four threads, which file reads and zlib share. A worker thread is
 * terminated at once on abort, mid-round. The thread runs the same native `pbkdf2Sync`, so it is
 * as fast as the pool; it costs tens of milliseconds to start, so key-derivation.ts keeps the
 * short derivations of test key bags in the pool.
 *
 * The code is plain CommonJS source for `new Worker(source, { eval: true })`, as the whole-file
 * writer's (store/whole-file-worker-source.ts): eval'd source loads the same way under tsx,
 * vitest, the CLI and the bundled Electron main process. It is kept to the rounds themselves.
 */
const PBKDF2_THREAD_SOURCE = String.raw`
'use strict';
const { pbkdf2Sync } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
let secret = Buffer.from(workerData.secret);
for (const step of workerData.steps) secret = pbkdf2Sync(secret, Buffer.from(step.salt), step.iterations, step.keyLength, step.digest);
parentPort.postMessage(secret);
`;

/** One PBKDF2 pass; the output of one is the password of the next (§6.2). */
export interface Pbkdf2Step {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly digest: 'sha1' | 'sha256';
  readonly keyLength: number;
}

let liveThreads = 0;

/** How many derivation threads exist right now: a cancelled one is gone once its `exit` has fired (for tests and diagnostics). */
export function liveDerivationThreads(): number {
  return liveThreads;
}

function cancelled(): BackupError {
  return new BackupError('cancelled', 'Opening the encrypted backup was cancelled.');
}

/**
 * Runs `steps` over `secret` on a new thread. `signal` terminates the thread (the rounds stop
 * there) and rejects with BackupError `cancelled`.
 */
export function pbkdf2OnThread(secret: Buffer, steps: readonly Pbkdf2Step[], signal?: AbortSignal): Promise<Buffer> {
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise<Buffer>((resolve, reject) => {
    const worker = new Worker(PBKDF2_THREAD_SOURCE, { eval: true, workerData: { secret, steps } });
    liveThreads += 1;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = (): void => {
      settle(() => reject(cancelled()));
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (key: Uint8Array) => settle(() => resolve(Buffer.from(key.buffer, key.byteOffset, key.byteLength))));
    worker.once('error', (error) => settle(() => reject(new BackupError('io', `The password of the encrypted backup could not be checked (${error.message}).`, { cause: error }))));
    worker.once('exit', (code) => {
      liveThreads -= 1;
      settle(() => reject(new BackupError('io', `The password of the encrypted backup could not be checked (the key derivation stopped with code ${code}).`)));
    });
  });
}
