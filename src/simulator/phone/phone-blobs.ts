import fs from 'node:fs';
import path from 'node:path';

/** Replaced blobs removed at once in the background: enough to share the disk's journal commits, few enough to leave the thread pool to the writes. */
const RETIRE_CONCURRENCY = 2;

/**
 * Files written onto the phone (restores, AFC uploads) live as blob files under `dir/blobs/`;
 * the index points at them by name. Blobs are written to a temporary name and renamed, so a
 * half-written blob never becomes a file's content.
 *
 * A replaced or removed blob is retired, not unlinked on the spot: on this VM's ext4 (mounted
 * with `discard`) unlinking a file whose blocks are on disk waits ~0.7 ms for the disk, so a
 * restore over a phone that an earlier restore had filled spent ~35 s of its ~35-40 s blocked in
 * `unlink` on the phone's only thread, while the first restore of a fresh phone (nothing to
 * unlink) took 23 s: the benchmark's "bimodal" restores. A phone frees replaced files' space in
 * the background (APFS reclaims it later), so the simulator does too, a few at a time off the
 * request path. A simulator killed before it finished leaves unreferenced blobs, never a
 * referenced one gone.
 */
export class BlobStore {
  readonly dir: string;
  /** Retired names; those before `nextRetired` are being removed or gone. */
  private retired: string[] = [];
  private nextRetired = 0;
  /** Names whose background unlink has started and not finished. */
  private readonly removing = new Set<string>();
  private settledWaiters: Array<() => void> = [];

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

  /** Removes the blob soon, in the background; the caller's index no longer names it. A reader that already opened it keeps its bytes (POSIX). */
  retire(name: string): void {
    this.retired.push(name);
    this.removeRetired();
  }

  /** Resolves once every retired blob is gone (a driver waits here so each run meets the same phone). */
  settled(): Promise<void> {
    if (this.nextRetired === this.retired.length && this.removing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /**
   * Removes what is still retired now, synchronously (closing the store: nothing is left behind),
   * including blobs whose background unlink has started but not finished; that unlink then finds
   * nothing, which it ignores.
   */
  removeRetiredSync(): void {
    for (const name of [...this.removing, ...this.retired.slice(this.nextRetired)]) fs.rmSync(this.pathOf(name), { force: true });
    this.retired = [];
    this.nextRetired = 0;
    this.notifyIfSettled();
  }

  removeAll(): void {
    this.retired = [];
    this.nextRetired = 0;
    for (const name of fs.readdirSync(this.dir)) fs.rmSync(path.join(this.dir, name), { force: true });
    this.notifyIfSettled();
  }

  private removeRetired(): void {
    while (this.removing.size < RETIRE_CONCURRENCY && this.nextRetired < this.retired.length) {
      const name = this.retired[this.nextRetired] as string;
      this.nextRetired += 1;
      this.removing.add(name);
      fs.promises.unlink(this.pathOf(name)).catch(() => {
        // Already gone, or left behind unreferenced: disk space only, the phone's state is intact.
      }).finally(() => {
        this.removing.delete(name);
        this.removeRetired();
        this.notifyIfSettled();
      });
    }
  }

  private notifyIfSettled(): void {
    if (this.nextRetired < this.retired.length || this.removing.size > 0) return;
    this.retired = [];
    this.nextRetired = 0;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
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
