import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../backup/store/module-worker';
import { BackupError } from '../../backup/backup-error';
import { readHeifExif } from '../import/isobmff-dates';
import { CONVERSION_QUALITY, HEIC_DECODE_DEADLINE_MS, MAX_HEIC_BYTES, MAX_HEIC_PIXELS, THUMBNAIL_EDGE, THUMBNAIL_QUALITY } from './heic-limits';
import { declaredPictureSize, isHeic } from './heic-probe';
import type { HeicJob, HeicJobAnswer } from './heic-thread';
import { withExif } from './jpeg-exif';

/**
 * HEIC → JPEG, full size (photo import's "Convert HEIC to JPEG") or as a thumbnail (the backup
 * browser), decoded on a thread of its own (heic-thread.ts) one picture at a time. A HEIC comes
 * from a phone or a backup folder, so it is bounded before and during the decode (heic-limits.ts):
 * too many bytes or too many declared pixels are refused with a sentence, and a decode past its
 * deadline or a cancel ends the thread (a new one starts for the next picture).
 */
export interface HeicDecodeOptions {
  readonly signal?: AbortSignal;
  /** Default HEIC_DECODE_DEADLINE_MS. */
  readonly deadlineMs?: number;
  /** Named in sentences ("IMG_0001.HEIC is damaged…"); default "The photo". */
  readonly label?: string;
}

export class HeicDecoder {
  private worker: Worker | undefined;
  private nextId = 1;
  /** One decode at a time: each holds a whole picture's pixels. */
  private queue: Promise<unknown> = Promise.resolve();

  /** The whole picture as a JPEG, carrying the HEIC's EXIF (capture date, camera, orientation). */
  async toJpeg(bytes: Buffer, options: HeicDecodeOptions = {}): Promise<Buffer> {
    const jpeg = await this.decode(bytes, undefined, CONVERSION_QUALITY, options);
    const exif = await readHeifExif(async (offset, length) => bytes.subarray(offset, offset + length), bytes.length).catch(() => undefined);
    return withExif(jpeg, exif);
  }

  /** A small JPEG whose longer edge is at most `maxEdge` pixels. */
  async thumbnail(bytes: Buffer, maxEdge = THUMBNAIL_EDGE, options: HeicDecodeOptions = {}): Promise<Buffer> {
    return this.decode(bytes, maxEdge, THUMBNAIL_QUALITY, options);
  }

  /** Ends the thread; the decoder can still be used afterwards (a new thread starts). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private decode(bytes: Buffer, maxEdge: number | undefined, quality: number, options: HeicDecodeOptions): Promise<Buffer> {
    const label = options.label ?? 'The photo';
    checkBounds(bytes, label);
    const run = this.queue.then(() => this.runJob({ id: this.nextId++, bytes: new Uint8Array(bytes), maxEdge, quality }, label, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private runJob(job: HeicJob, label: string, options: HeicDecodeOptions): Promise<Buffer> {
    options.signal?.throwIfAborted();
    const worker = this.thread();
    return new Promise<Buffer>((resolve, reject) => {
      const deadlineMs = options.deadlineMs ?? HEIC_DECODE_DEADLINE_MS;
      const finish = (outcome: () => void, endThread: boolean): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        options.signal?.removeEventListener('abort', onAbort);
        if (endThread) this.endThread(worker);
        outcome();
      };
      const onMessage = (answer: HeicJobAnswer): void => {
        if (answer.id !== job.id) return;
        if (answer.ok) finish(() => resolve(Buffer.from(answer.jpeg.buffer, answer.jpeg.byteOffset, answer.jpeg.byteLength)), false);
        else finish(() => reject(new BackupError('corrupt', `${label} could not be decoded as a HEIC picture (${answer.message}).`)), false);
      };
      const onError = (error: Error): void => finish(() => reject(new BackupError('corrupt', `${label} could not be decoded: the decoder stopped (${error.message}).`, { cause: error })), true);
      const onExit = (): void => finish(() => reject(new BackupError('corrupt', `${label} could not be decoded: the decoder stopped.`)), true);
      const onAbort = (): void => finish(() => reject(new BackupError('cancelled', `Decoding ${label} was cancelled.`)), true);
      const timer = setTimeout(
        () => finish(() => reject(new BackupError('timeout', `${label} took longer than ${Math.round(deadlineMs / 1000)} s to decode, so it was left as it is.`)), true),
        deadlineMs,
      );
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
    });
  }

  private thread(): Worker {
    if (!this.worker) {
      this.worker = startModuleWorker('heic-thread', import.meta.url);
      // An idle decoder never keeps the CLI or a test process alive.
      this.worker.unref();
    }
    return this.worker;
  }

  /** A thread that failed, timed out or was cancelled mid-decode is ended; the next job starts a new one. */
  private endThread(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate().catch(() => undefined);
  }
}

/** Refuses what must not be decoded at all: not a HEIC, too many bytes, too many pixels declared. */
function checkBounds(bytes: Buffer, label: string): void {
  if (!isHeic(bytes)) throw new BackupError('corrupt', `${label} is not a HEIC picture.`);
  if (bytes.length > MAX_HEIC_BYTES) {
    throw new BackupError('unsupported', `${label} is ${Math.round(bytes.length / 1_048_576)} MB, more than the ${MAX_HEIC_BYTES / 1_048_576} MB a HEIC photo can be; it was left as it is.`);
  }
  const size = declaredPictureSize(bytes);
  if (!size) throw new BackupError('corrupt', `${label} does not say how big its picture is, so it is not decoded.`);
  if (size.width * size.height > MAX_HEIC_PIXELS) {
    throw new BackupError('unsupported', `${label} says it is ${size.width}×${size.height} pixels, more than the ${MAX_HEIC_PIXELS / 1_000_000} megapixels Lifeboat decodes; it was left as it is.`);
  }
}
