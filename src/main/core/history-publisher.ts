import type { BackupsUsageView, BackupView } from '../../shared/contract';
import type { CatalogBackend } from './backends';
import type { EventHub } from './event-hub';

/**
 * The backup history as windows get it (backups:changed), kept for the core's own questions.
 *
 * The list goes out at once. What the backups take on disk (Manage Backups' totals) goes with it
 * when the catalog has counted it already for exactly that list, else in a second backups:changed
 * once counted: the count is a sum over every file of every backup (~0.5 s for a million-file
 * phone's backups), done off the main process's thread (catalog-totals.ts), and the window shows
 * no total meanwhile rather than the last one, which may count other backups or other files.
 */
export class HistoryPublisher {
  private listed: readonly BackupView[] = [];
  /** Counts the lists sent: totals that arrive after a newer list are not sent (the newer one's follow). */
  private sent = 0;

  constructor(
    private readonly hub: EventHub,
    /** Called once per list sent (the devices' "latest backup" dates follow the history). */
    private readonly onChanged: () => void,
  ) {}

  /** The history as last sent. */
  get backups(): readonly BackupView[] {
    return this.listed;
  }

  /** Reads the history from `catalog` and sends it; resolves once the list is sent, not its totals. */
  async publish(catalog: CatalogBackend): Promise<void> {
    const { backups, version } = await catalog.list();
    this.listed = backups;
    const turn = ++this.sent;
    // The version read with this list, not a later one: two lists finishing together keep their own totals.
    const usage = catalog.usage?.(version);
    this.hub.emit('backups:changed', usage && 'counted' in usage ? { backups, usage: usage.counted } : { backups });
    this.onChanged();
    if (usage && 'counting' in usage) void this.sendTotals(turn, backups, usage.counting);
  }

  private async sendTotals(turn: number, backups: readonly BackupView[], counting: Promise<BackupsUsageView | undefined>): Promise<void> {
    // A sum that failed (its thread stopped) leaves the total out; the next change counts again.
    const usage = await counting.catch(() => undefined);
    if (usage !== undefined && turn === this.sent) this.hub.emit('backups:changed', { backups, usage });
  }
}
