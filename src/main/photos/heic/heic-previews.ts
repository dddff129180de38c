import { HeicDecoder } from './heic-decoder';
import { THUMBNAIL_EDGE } from './heic-limits';
import { ThumbnailCache } from './thumbnail-cache';

/**
 * Thumbnails of HEIC photos for a view that lists many (the backup browser): each decoded once on
 * the decoder's thread and downscaled to THUMBNAIL_EDGE, then served from the cache. A photo that
 * cannot be decoded (damaged, too big, too slow) has no thumbnail rather than an error: the view
 * shows its name instead.
 */
export class HeicPreviews {
  constructor(
    private readonly decoder = new HeicDecoder(),
    private readonly cache = new ThumbnailCache(),
  ) {}

  /** A JPEG thumbnail, `key` naming the picture (say backup id and fileID), `load` reading its bytes. */
  async thumbnail(key: string, load: () => Promise<Buffer | undefined>, maxEdge = THUMBNAIL_EDGE): Promise<Buffer | undefined> {
    return this.cache.get(`${maxEdge}|${key}`, async () => {
      const bytes = await load();
      if (!bytes) return undefined;
      return this.decoder.thumbnail(bytes, maxEdge).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.decoder.close();
  }
}
