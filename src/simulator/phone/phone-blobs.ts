import fs from 'node:fs';
import path from 'node:path';

/**
 * Files written onto the phone (restores, AFC uploads) live as blob files under `dir/blobs/`;
 * the index points at them by name. Blobs are written to a temporary name and renamed, so a
 * half-written blob never becomes a file's content.
 */
export class BlobStore {
  readonly dir: string;

  constructor(phoneDir: string, private readonly nextName: () => string) {
    this.dir = path.join(phoneDir, 'blobs');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  pathOf(name: string): string {
    return path.join(this.dir, name);
  }

  async write(content: Buffer | AsyncIterable<Buffer>): Promise<{ name: string; size: number }> {
    const name = this.nextName();
    const finalPath = this.pathOf(name);
    const temporary = `${finalPath}.tmp`;
    if (Buffer.isBuffer(content)) {
      fs.writeFileSync(temporary, content);
      fs.renameSync(temporary, finalPath);
      return { name, size: content.length };
    }
    const handle = await fs.promises.open(temporary, 'w');
    let size = 0;
    try {
      for await (const chunk of content) {
        await handle.write(chunk);
        size += chunk.length;
      }
    } catch (error) {
      await handle.close();
      fs.rmSync(temporary, { force: true });
      throw error;
    }
    await handle.close();
    fs.renameSync(temporary, finalPath);
    return { name, size };
  }

  remove(name: string): void {
    fs.rmSync(this.pathOf(name), { force: true });
  }

  removeAll(): void {
    for (const name of fs.readdirSync(this.dir)) fs.rmSync(path.join(this.dir, name), { force: true });
  }

  readAt(name: string, offset: number, length: number): Buffer {
    const fd = fs.openSync(this.pathOf(name), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const read = fs.readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, read);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The chunks `stream` gives, read synchronously: far cheaper for the small files a backup sends by the thousand. */
  *chunksSync(name: string, chunkSize: number): Generator<Buffer> {
    const fd = fs.openSync(this.pathOf(name), 'r');
    try {
      for (;;) {
        const buffer = Buffer.allocUnsafe(chunkSize);
        let filled = 0;
        while (filled < chunkSize) {
          const read = fs.readSync(fd, buffer, filled, chunkSize - filled, null);
          if (read === 0) break;
          filled += read;
        }
        if (filled > 0) yield buffer.subarray(0, filled);
        if (filled < chunkSize) return;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * The blob's bytes, asynchronously. The file is opened on the first pull, in the same tick as
   * the index lookup that named it, so a restore replacing (and deleting) the blob a moment later
   * cannot pull it away from a reader that has started: POSIX keeps an open file readable.
   */
  async *stream(name: string, chunkSize: number): AsyncIterable<Buffer> {
    const fd = fs.openSync(this.pathOf(name), 'r');
    const stream = fs.createReadStream('', { fd, highWaterMark: chunkSize });
    for await (const chunk of stream) yield chunk as Buffer;
  }
}
