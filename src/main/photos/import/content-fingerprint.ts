import { createHash } from 'node:crypto';

/**
 * A cheap identity for a file's content: SHA-1 over its size, its first 64 KiB and its last 64 KiB.
 * Two range reads over AFC give it without downloading the file, which is how a photo renamed or
 * re-numbered on the phone is recognised before it is copied again. Photos and videos differ in
 * their first bytes (EXIF dates, unique ids in the header) and their last (pixel data, `moov`), so
 * the same size and the same ends means the same file in practice; files up to 128 KiB are
 * covered whole.
 */
export const FINGERPRINT_EDGE_BYTES = 64 * 1024;

export function fingerprintOf(size: number, head: Buffer, tail: Buffer): string {
  return createHash('sha1')
    .update(`lifeboat-fingerprint-1\0${size}\0`)
    .update(head.subarray(0, Math.min(size, FINGERPRINT_EDGE_BYTES)))
    .update(tail.subarray(Math.max(0, tail.length - Math.min(size, FINGERPRINT_EDGE_BYTES))))
    .digest('hex');
}

/**
 * Computes the fingerprint and the full SHA-1 of a file while it streams past, so a download
 * needs no second pass. Keeps at most the first and last 64 KiB in memory.
 */
export class StreamingIdentity {
  private readonly sha1 = createHash('sha1');
  private readonly headParts: Buffer[] = [];
  private headBytes = 0;
  private tailParts: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  update(chunk: Buffer): void {
    this.sha1.update(chunk);
    this.total += chunk.length;
    if (this.headBytes < FINGERPRINT_EDGE_BYTES) {
      const piece = chunk.subarray(0, FINGERPRINT_EDGE_BYTES - this.headBytes);
      this.headParts.push(Buffer.from(piece));
      this.headBytes += piece.length;
    }
    this.tailParts.push(Buffer.from(chunk.subarray(Math.max(0, chunk.length - FINGERPRINT_EDGE_BYTES))));
    this.tailBytes += Math.min(chunk.length, FINGERPRINT_EDGE_BYTES);
    // Drop whole chunks that the last 64 KiB no longer reach.
    while (this.tailParts.length > 1 && this.tailBytes - (this.tailParts[0] as Buffer).length >= FINGERPRINT_EDGE_BYTES) {
      this.tailBytes -= (this.tailParts.shift() as Buffer).length;
    }
  }

  get bytes(): number {
    return this.total;
  }

  finish(): { sha1: string; fingerprint: string; size: number } {
    const head = Buffer.concat(this.headParts);
    const tail = Buffer.concat(this.tailParts);
    return { sha1: this.sha1.digest('hex'), fingerprint: fingerprintOf(this.total, head, tail), size: this.total };
  }
}
