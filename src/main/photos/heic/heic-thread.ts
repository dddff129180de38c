import { parentPort } from 'node:worker_threads';
import decodeHeic from 'heic-decode';
import { encode as encodeJpeg } from 'jpeg-js';
import { downscaleRgba } from './downscale';

/**
 * The HEIC decoding thread (started by heic-decoder.ts): libheif compiled to JavaScript
 * (heic-decode, what the heic-convert package decodes with) turns a HEIC into RGBA, which is
 * downscaled for a thumbnail or kept whole, then encoded as JPEG with jpeg-js. It runs here, not
 * on the main thread, because a 12-megapixel photo takes seconds; the main thread checks sizes
 * before sending and ends this thread when a decode outlives its deadline.
 */
export interface HeicJob {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** Longest edge of the output; undefined keeps the full size. */
  readonly maxEdge: number | undefined;
  readonly quality: number;
}

export type HeicJobAnswer =
  | { readonly id: number; readonly ok: true; readonly jpeg: Uint8Array; readonly width: number; readonly height: number }
  | { readonly id: number; readonly ok: false; readonly message: string };

const port = parentPort;
if (!port) throw new Error('heic-thread.ts runs only as a worker thread (see heic-decoder.ts).');

async function run(job: HeicJob): Promise<HeicJobAnswer> {
  try {
    const decoded = await decodeHeic({ buffer: job.bytes });
    const image = { width: decoded.width, height: decoded.height, data: decoded.data instanceof ArrayBuffer ? new Uint8Array(decoded.data) : decoded.data };
    if (image.data.length < image.width * image.height * 4) throw new Error(`the decoder gave ${image.data.length} bytes for a ${image.width}×${image.height} picture`);
    const pixels = job.maxEdge === undefined ? image : downscaleRgba(image, job.maxEdge);
    const jpeg = encodeJpeg({ width: pixels.width, height: pixels.height, data: Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength) }, job.quality).data;
    return { id: job.id, ok: true, jpeg, width: pixels.width, height: pixels.height };
  } catch (error) {
    return { id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

port.on('message', (job: HeicJob) => {
  void run(job).then((answer) => port.postMessage(answer, answer.ok ? [answer.jpeg.buffer as ArrayBuffer] : []));
});
