import { parentPort } from 'node:worker_threads';
import convertHeic from 'heic-convert';
import { decode as decodeJpeg, encode as encodeJpeg } from 'jpeg-js';
import { downscaleRgba } from './downscale';
import { MAX_HEIC_PIXELS } from './heic-limits';

/**
 * The HEIC decoding thread (started by heic-decoder.ts): heic-convert (libheif compiled to
 * JavaScript) turns a HEIC into a JPEG; for a thumbnail that JPEG is decoded again, downscaled
 * and re-encoded with jpeg-js. It runs here, not on the main thread, because a 12-megapixel photo
 * takes seconds; the main thread checks sizes before sending and ends this thread when a decode
 * outlives its deadline.
 */
export interface HeicJob {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** Longest edge of the output; undefined keeps the full size. */
  readonly maxEdge: number | undefined;
  /** JPEG quality, 0–100. */
  readonly quality: number;
}

export type HeicJobAnswer = { readonly id: number; readonly ok: true; readonly jpeg: Uint8Array } | { readonly id: number; readonly ok: false; readonly message: string };

const port = parentPort;
if (!port) throw new Error('heic-thread.ts runs only as a worker thread (see heic-decoder.ts).');

async function run(job: HeicJob): Promise<HeicJobAnswer> {
  try {
    // A thumbnail's intermediate JPEG is only decoded again, so it need not be fine.
    const quality = job.maxEdge === undefined ? job.quality : 85;
    const converted = await convertHeic({ buffer: job.bytes, format: 'JPEG', quality: quality / 100 });
    const full = converted instanceof ArrayBuffer ? new Uint8Array(converted) : converted;
    if (job.maxEdge === undefined) return { id: job.id, ok: true, jpeg: full };
    const picture = decodeJpeg(full, { useTArray: true, maxResolutionInMP: MAX_HEIC_PIXELS / 1_000_000, maxMemoryUsageInMB: 512 });
    const small = downscaleRgba(picture, job.maxEdge);
    const jpeg = encodeJpeg({ width: small.width, height: small.height, data: Buffer.from(small.data.buffer, small.data.byteOffset, small.data.byteLength) }, job.quality).data;
    return { id: job.id, ok: true, jpeg };
  } catch (error) {
    return { id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

port.on('message', (job: HeicJob) => {
  void run(job).then((answer) => port.postMessage(answer, answer.ok ? [answer.jpeg.buffer as ArrayBuffer] : []));
});
