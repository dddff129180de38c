import type { PhoneEntry } from './phone-model';

/** How often a replayed listing asks SQLite whether another connection changed the phone. */
const CHECK_EVERY = 1000;
/**
 * The most entries a listing keeps for reuse. A `huge` phone's million entries would hold ~0.5 GB
 * of objects for the simulator's whole life; past this many, every listing reads the index again.
 */
export const MAX_REUSED_ENTRIES = 250_000;

/**
 * The phone's last complete `entries()` listing, handed out again while nothing has changed.
 * Listing 50,000 index rows costs ~0.2 s, and a phone backed up again and again by a benchmark is
 * the same phone every time. Handing out the same entry objects also lets callers keep what they
 * derived from them (file IDs, built content) in WeakMaps.
 *
 * A change is a write through the store (`noteWrite`) or a commit by another connection to the
 * same database (SQLite's data_version).
 */
export class ReusedListing {
  private writes = 0;
  private last: { readonly writes: number; readonly dataVersion: number; readonly entries: readonly PhoneEntry[] } | undefined;

  constructor(
    private readonly dataVersion: () => number,
    /** Entries in order, from the start or after the given one, read from the index page by page. */
    private readonly listAfter: (after: PhoneEntry | undefined) => IterableIterator<PhoneEntry>,
    private readonly maxEntries = MAX_REUSED_ENTRIES,
  ) {}

  noteWrite(): void {
    this.writes++;
    this.last = undefined;
  }

  version(): string {
    return `${this.writes}:${this.dataVersion()}`;
  }

  *entries(): IterableIterator<PhoneEntry> {
    const writes = this.writes;
    const dataVersion = this.dataVersion();
    const last = this.last;
    if (last !== undefined && last.writes === writes && last.dataVersion === dataVersion) {
      yield* this.replay(last.entries, dataVersion);
      return;
    }
    let listed: PhoneEntry[] | undefined = [];
    for (const entry of this.listAfter(undefined)) {
      if (listed !== undefined && this.writes === writes) {
        listed.push(entry);
        if (listed.length > this.maxEntries) listed = undefined;
      }
      yield entry;
    }
    if (listed !== undefined && this.writes === writes && this.dataVersion() === dataVersion) this.last = { writes, dataVersion, entries: listed };
  }

  /** The last listing again; should the phone change mid-way, the rest comes from the index as usual. */
  private *replay(listed: readonly PhoneEntry[], dataVersion: number): IterableIterator<PhoneEntry> {
    const writes = this.writes;
    for (let index = 0; index < listed.length; index++) {
      if (this.writes !== writes || (index > 0 && index % CHECK_EVERY === 0 && this.dataVersion() !== dataVersion)) {
        yield* this.listAfter(listed[index - 1]);
        return;
      }
      yield listed[index] as PhoneEntry;
    }
  }
}
