import { PlistShapeError } from './plist-value';

/**
 * How big a decoded property list may grow, per kind of use.
 *
 * Why: a binary plist can refer to one object from many places, so a 200-byte file whose arrays
 * refer twice to the next array, 40 levels deep, stands for 2^40 values ("billion laughs"). A
 * decoder that counts only the objects *stored* lets that expand until the process dies. The
 * budget counts what the decoded value *holds*: every reference to a shared object counts again,
 * so the work and the memory of one decode are bounded whatever the bytes say.
 */
export interface PlistBudget {
  /** Most values (containers and leaves) in the decoded tree, repeats of a shared object included. */
  readonly maxNodes: number;
  /** Deepest nesting of arrays and dicts. */
  readonly maxDepth: number;
  /** Most bytes of string and data content in the decoded tree, repeats included. */
  readonly maxContentBytes: number;
}

const MIB = 1024 * 1024;

/**
 * Budgets sized per use: ten times or more the largest real value of each kind, and small enough
 * that decoding a hostile one stays within a few hundred megabytes and a second or two.
 */
export const PLIST_BUDGETS = {
  /**
   * One message from a phone (lockdown §2.1, DeviceLink §3.1). The largest real ones list paths:
   * a MoveItems / RemoveItems / multi-status over the files of a backup (a large phone has
   * ~10^5-10^6 files; batches are usually far smaller, §3.6.2).
   */
  deviceMessage: { maxNodes: 1_000_000, maxDepth: 64, maxContentBytes: 128 * MIB },
  /**
   * A plist file of a backup folder or a pair record: Info.plist (§5.3: the Applications dict with
   * icons and metadata blobs, iTunes Files), Manifest.plist (§5.4), Status.plist (§5.5).
   */
  metadataFile: { maxNodes: 1_000_000, maxDepth: 64, maxContentBytes: 256 * MIB },
  /** One NSKeyedArchiver MBFile blob of a Manifest.db row (§5.6): tens of objects in real backups. */
  archivedRecord: { maxNodes: 10_000, maxDepth: 32, maxContentBytes: 16 * MIB },
} as const satisfies Readonly<Record<string, PlistBudget>>;

type PlistLimit = 'nodes' | 'depth' | 'content';

/** A plist that would decode to more than its budget allows; decoding stopped before it did. */
export class PlistTooLargeError extends PlistShapeError {
  constructor(
    readonly limit: PlistLimit,
    readonly budget: PlistBudget,
  ) {
    super(PlistTooLargeError.sentence(limit, budget));
    this.name = 'PlistTooLargeError';
  }

  private static sentence(limit: PlistLimit, budget: PlistBudget): string {
    switch (limit) {
      case 'nodes':
        return `The property list expands to more than ${budget.maxNodes.toLocaleString('en-US')} values, more than any real one holds.`;
      case 'depth':
        return `The property list is nested more than ${budget.maxDepth} levels deep, more than any real one is.`;
      case 'content':
        return `The property list expands to more than ${Math.round(budget.maxContentBytes / MIB)} MiB of text and data, more than any real one holds.`;
    }
  }
}

/** Counts what a decoder produces against a budget and throws as soon as it is exceeded. */
export class PlistBudgetMeter {
  private nodes = 0;
  private contentBytes = 0;

  constructor(readonly budget: PlistBudget) {}

  /** One more value at `depth` (0 = the root) holding `contentBytes` of text or data. */
  count(depth: number, contentBytes = 0): void {
    this.nodes += 1;
    if (this.nodes > this.budget.maxNodes) throw new PlistTooLargeError('nodes', this.budget);
    if (depth > this.budget.maxDepth) throw new PlistTooLargeError('depth', this.budget);
    this.contentBytes += contentBytes;
    if (this.contentBytes > this.budget.maxContentBytes) throw new PlistTooLargeError('content', this.budget);
  }

  /** Starts counting again from zero, for a second pass over the same value. */
  reset(): void {
    this.nodes = 0;
    this.contentBytes = 0;
  }

  /** Values counted so far (for tests and measurements). */
  get nodeCount(): number {
    return this.nodes;
  }
}
