/**
 * Thumbnails already made, so scrolling back through a Camera Roll does not decode each HEIC again:
 * least recently used first out, bounded by bytes, and one decode per key however many asks for it
 * arrive while it runs. A failed decode is not cached (the next ask tries again).
 */
export class ThumbnailCache {
  private readonly done = new Map<string, Buffer>();
  private readonly running = new Map<string, Promise<Buffer | undefined>>();
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  async get(key: string, make: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    const hit = this.done.get(key);
    if (hit) {
      this.done.delete(key);
      this.done.set(key, hit);
      return hit;
    }
    const pending = this.running.get(key);
    if (pending) return pending;
    const made = make().then((thumbnail) => {
      if (thumbnail) this.remember(key, thumbnail);
      return thumbnail;
    }).finally(() => this.running.delete(key));
    this.running.set(key, made);
    return made;
  }

  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.done.size, bytes: this.bytes };
  }

  private remember(key: string, thumbnail: Buffer): void {
    if (thumbnail.length > this.maxBytes) return;
    this.done.set(key, thumbnail);
    this.bytes += thumbnail.length;
    for (const [oldest, value] of this.done) {
      if (this.bytes <= this.maxBytes) break;
      this.done.delete(oldest);
      this.bytes -= value.length;
    }
  }
}
