/**
 * File IDs (40 hex digits, protocol.md §5.2) kept as 20 bytes each: the files a backup uploaded,
 * to move them into place afterwards. A `huge` phone uploads a million, which as strings would
 * cost the phone ~80 MB; as bytes they cost 20 MB.
 */
export class FileIdList {
  private bytes = Buffer.alloc(20 * 1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(fileId: string): void {
    if ((this.count + 1) * 20 > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown);
      this.bytes = grown;
    }
    this.bytes.write(fileId, this.count * 20, 20, 'hex');
    this.count++;
  }

  /** The IDs in the order they were added, `size` at a time. */
  *batches(size: number): Generator<string[]> {
    for (let start = 0; start < this.count; start += size) {
      const batch: string[] = [];
      for (let index = start; index < Math.min(this.count, start + size); index++) batch.push(this.bytes.toString('hex', index * 20, index * 20 + 20));
      yield batch;
    }
  }
}
