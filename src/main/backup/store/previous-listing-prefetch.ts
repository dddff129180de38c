import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker';
import type { ListingReply, ListingRequest, ListingThreadData } from './previous-listing-protocol';

/**
 * Reads the previous backup's content folders (`00` … `ff`) ahead, on a thread of its own, in the
 * order an incremental backup lists them (protocol.md §7.2 step 3): the phone asks for all 256,
 * one request at a time, each answer on the critical path, right after a pause of seconds in
 * which it digests the Manifest.db it downloaded and the host has nothing to do. Listing a
 * folder live cost ~5 ms of the host's time per request on the `large` phone (a readdir and ~400
 * lstats), 1.4 s of a 8 s no-change backup.
 *
 * Only PreviousBackup.list uses it (previous-backup.ts), and only as a hint: a listing is taken
 * once, and used only when the folder's lstat still gives the key it had before it was read (so
 * a folder whose entries changed since is listed live); what the run removed is applied at the
 * moment of the request, and staging's entries are laid over it by the caller, as for a live
 * listing. Anything unexpected (a folder asked out of order, a thread that failed) means "no
 * listing", and the caller lists live.
 *
 * Memory stays bounded on a million-file phone (`huge`, ~4,000 entries per folder): it reads
 * ahead while fewer than MAX_ENTRIES_AHEAD entries wait to be taken, at most MAX_READS_IN_FLIGHT
 * folders at a time, and drops what the phone went past.
 */
export class ListingPrefetch {
  private readonly worker: Worker | undefined;
  /** Folders posted to the thread or waiting to be taken, by index in CONTENT_FOLDERS. */
  private readonly slots = new Map<number, Slot>();
  /** Folders posted to the thread whose reply has not come back, taken or not, by path. */
  private readonly inFlight = new Map<string, Slot>();
  /** Index of the next folder to ask the thread for. */
  private next = 0;
  private entriesWaiting = 0;
  private stopped = false;
  private readonly markCaughtUp: () => void;
  /**
   * Resolves (never rejects) the first time reading ahead pauses with nothing in flight (the
   * window is full or every folder is read) or stops: tests wait on it, the engine does not.
   */
  readonly caughtUp: Promise<void>;

  constructor(private readonly backupFolder: string, tempPrefix: string) {
    let markCaughtUp = (): void => undefined;
    this.caughtUp = new Promise<void>((resolve) => {
      markCaughtUp = resolve;
    });
    this.markCaughtUp = markCaughtUp;
    const threadData: ListingThreadData = { tempPrefix };
    let worker: Worker | undefined;
    try {
      worker = startModuleWorker('previous-listing-worker', import.meta.url, { ...threadData });
    } catch {
      // No thread, no prefetch: every listing is made live, as before.
      this.stop();
    }
    this.worker = worker;
    if (worker === undefined) return;
    // A run that forgets to stop it must not be kept alive by it.
    worker.unref();
    worker.on('message', (reply: ListingReply) => this.onReply(reply));
    worker.on('error', () => this.stop());
    worker.on('exit', () => this.stop());
    this.readAhead();
  }

  /**
   * The listing read ahead for content folder `name` (`00` … `ff`), once: undefined when there is
   * none (not a content folder, not read ahead, the thread stopped), the caller then lists live.
   * Never rejects. Asking for a folder drops those before it: the phone has gone past them.
   */
  take(name: string): Promise<ListingReply | undefined> {
    const index = CONTENT_FOLDER_INDEX.get(name);
    if (index === undefined || this.stopped) return Promise.resolve(undefined);
    for (const [slotIndex, slot] of this.slots) if (slotIndex < index) this.drop(slotIndex, slot);
    const slot = this.slots.get(index);
    if (slot === undefined) {
      this.next = Math.max(this.next, index + 1);
      this.readAhead();
      return Promise.resolve(undefined);
    }
    this.drop(index, slot);
    this.readAhead();
    if (slot.reply !== undefined) return Promise.resolve(slot.reply);
    return new Promise((resolve) => {
      slot.waiter = resolve;
    });
  }

  /** Stops the thread; what it still had becomes "no listing". Safe to call twice. */
  async close(): Promise<void> {
    this.stop();
    await this.worker?.terminate();
  }

  private readAhead(): void {
    while (!this.stopped && this.next < CONTENT_FOLDERS.length && this.inFlight.size < MAX_READS_IN_FLIGHT && this.entriesWaiting < MAX_ENTRIES_AHEAD) {
      const index = this.next;
      this.next += 1;
      const request: ListingRequest = { folder: path.join(this.backupFolder, CONTENT_FOLDERS[index] as string) };
      const slot: Slot = { taken: false, reply: undefined, waiter: undefined };
      this.slots.set(index, slot);
      this.inFlight.set(request.folder, slot);
      this.worker?.postMessage(request);
    }
  }

  private onReply(reply: ListingReply): void {
    const slot = this.inFlight.get(reply.folder);
    this.inFlight.delete(reply.folder);
    if (slot !== undefined) {
      if (slot.taken) slot.waiter?.(reply);
      else {
        slot.reply = reply;
        this.entriesWaiting += entriesOf(reply);
      }
    }
    this.readAhead();
    if (this.inFlight.size === 0) this.markCaughtUp();
  }

  /** Takes a slot out of the window: its entries stop counting; a reply still on its way goes to its waiter, if any. */
  private drop(index: number, slot: Slot): void {
    this.slots.delete(index);
    if (slot.reply !== undefined) this.entriesWaiting -= entriesOf(slot.reply);
    slot.taken = true;
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.markCaughtUp();
    for (const slot of this.inFlight.values()) slot.waiter?.(undefined);
    this.inFlight.clear();
    this.slots.clear();
  }
}

interface Slot {
  /** Handed out by take() (or dropped): its reply goes to `waiter`, not into the window. */
  taken: boolean;
  reply: ListingReply | undefined;
  waiter: ((reply: ListingReply | undefined) => void) | undefined;
}

/** The content folders of a backup, in the order the phone lists them (§3.5: files named by hash). */
const CONTENT_FOLDERS: readonly string[] = Array.from({ length: 256 }, (_unused, index) => index.toString(16).padStart(2, '0'));
const CONTENT_FOLDER_INDEX: ReadonlyMap<string, number> = new Map(CONTENT_FOLDERS.map((name, index) => [name, index]));

/**
 * Listed entries waiting to be taken before reading ahead pauses. The whole `large` phone
 * (103,000 entries) fits, so its reading is done while the phone still digests Manifest.db
 * instead of going on beside the listings; a million-file phone keeps ~30 of its 256 folders
 * ahead. Measured on a tree of 256 × 4,000 files: the thread and this window add ~40 MB to the
 * peak RSS of listing it all (199 MB against 158 MB live; 212 MB with a 250,000 window).
 */
const MAX_ENTRIES_AHEAD = 120_000;
/** Folders the thread is asked for at a time, so a pause for MAX_ENTRIES_AHEAD overshoots by little. */
const MAX_READS_IN_FLIGHT = 4;

function entriesOf(reply: ListingReply): number {
  return reply.kinds?.length ?? 0;
}
