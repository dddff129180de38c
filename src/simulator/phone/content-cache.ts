import { generatedSource } from './content/content-spec';
import { contentOfRow, type ContentColumns } from './phone-index';

/**
 * Built bytes of generated files, kept across backups. Generating content (the AES-CTR stream
 * behind random and text bytes, JPEG scans) is most of what a second full backup of the same
 * phone costs; with the bytes kept it is a copy. Files are kept first come, first kept, until the
 * byte budget is spent: a many-small phone (~0.5 GB) fits whole, while a phone larger than the
 * budget keeps its first gigabyte and generates the rest as before — memory stays bounded and a
 * backup's sequential pass over it never evicts what the next pass needs (as LRU would).
 */
export class GeneratedContentCache {
  private readonly files = new Map<string, Buffer>();
  private usedBytes = 0;
  private slab = Buffer.alloc(0);
  private slabUsed = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly maxFileBytes: number,
  ) {}

  /** A generated file's whole content, kept or built now; undefined when it is not worth keeping. */
  bytesOf(row: ContentColumns): Buffer | undefined {
    if (row.content_kind !== 'generated' || row.generator === null || row.content_key === null) return undefined;
    if (row.size > this.maxFileBytes) return undefined;
    // Everything the bytes depend on: generator, its stream key, the size and the parameters.
    const key = `${row.generator}\u0000${row.content_key}\u0000${row.size}\u0000${row.params ?? ''}`;
    const kept = this.files.get(key);
    if (kept !== undefined) return kept;
    if (this.usedBytes + row.size > this.budgetBytes) return undefined;
    const location = contentOfRow(row);
    if (location.kind !== 'generated') return undefined;
    const bytes = this.keep(generatedSource(location.content).readAt(0, row.size));
    this.files.set(key, bytes);
    this.usedBytes += bytes.length;
    return bytes;
  }

  /**
   * A copy of `bytes` in the current slab. V8 counts every buffer's memory and starts full
   * collections as that count grows, and tracks each backing store; 50,000 kept buffers of their
   * own made the backup that builds them dearer. A slab is reserved whole (pages are only touched
   * as it fills), so the count grows in a few large steps and the built buffer dies young.
   */
  private keep(bytes: Buffer): Buffer {
    if (this.slab.length - this.slabUsed < bytes.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(bytes.length, Math.min(SLAB_BYTES, this.budgetBytes)));
      this.slabUsed = 0;
    }
    const kept = this.slab.subarray(this.slabUsed, this.slabUsed + bytes.length);
    bytes.copy(kept);
    // Keep views 8-byte aligned, as Buffer's own pool does.
    this.slabUsed += (bytes.length + 7) & ~7;
    return kept;
  }
}

const SLAB_BYTES = 256 * 1024 * 1024;

const DEFAULT_BUDGET_BYTES = 1024 * 1024 * 1024;
/** Big files (videos of the large profile) are streamed as before: one would crowd out thousands of small ones. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** The budget: LIFEBOAT_SIM_CONTENT_CACHE_BYTES when set (0 turns the cache off), else 1 GiB. */
export function contentCacheBudget(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number.parseInt(env.LIFEBOAT_SIM_CONTENT_CACHE_BYTES ?? '', 10);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_BUDGET_BYTES;
}

/** One cache per process: the keys name seed, path and version, so phones never share an entry by mistake. */
export const generatedContentCache = new GeneratedContentCache(contentCacheBudget(), MAX_FILE_BYTES);

/** `bytes` in pieces of at most `size` (views, not copies). */
export function* slicesOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, Math.min(bytes.length, offset + size));
}
