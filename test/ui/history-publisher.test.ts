import { describe, expect, it } from 'vitest';
import type { CatalogBackend } from '../../src/main/core/backends';
import { EventHub } from '../../src/main/core/event-hub';
import { HistoryPublisher } from '../../src/main/core/history-publisher';
import type { BackupsChanged, BackupsUsageView, BackupView } from '../../src/shared/contract';
import { listedCatalog } from '../helpers/listed-catalog';

/**
 * backups:changed sends the history at once; Manage Backups' totals, summed off the main thread,
 * follow in a second event for exactly that list, and never after a newer list (whose own follow).
 * Meanwhile the window has no total rather than the last one. The real sum is in
 * test/backup/catalog-totals-thread.test.ts and test/ui/backup-usage-core.test.ts.
 */

const backup = (id: string): BackupView =>
  ({ id, udid: 'phone', path: `/backups/${id}`, createdAt: '2026-12-03T10:00:00Z', sizeBytes: 1, encrypted: false, archived: false, place: 'current', madeBy: 'lifeboat', status: 'complete' }) as BackupView;

const usageOf = (ids: readonly string[]): BackupsUsageView => ({ totalBytes: ids.length, phones: [{ udid: 'phone', diskBytes: ids.length, backupIds: ids }] });

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function listen(hub: EventHub): BackupsChanged[] {
  const events: BackupsChanged[] = [];
  hub.on('backups:changed', (event) => events.push(event));
  return events;
}

const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 5; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('HistoryPublisher', () => {
  it('sends the list at once with no total, then the total counted for it', async () => {
    const hub = new EventHub();
    const events = listen(hub);
    let changed = 0;
    const publisher = new HistoryPublisher(hub, () => (changed += 1));
    const counting = deferred<BackupsUsageView | undefined>();
    const backups = [backup('a'), backup('b')];
    const catalog: CatalogBackend = listedCatalog(backups, { usage: () => ({ counting: counting.promise }) });
    await publisher.publish(catalog);
    expect(events).toEqual([{ backups }]);
    expect(publisher.backups).toEqual(backups);
    counting.resolve(usageOf(['a', 'b']));
    await settle();
    expect(events).toEqual([{ backups }, { backups, usage: usageOf(['a', 'b']) }]);
    expect(changed).toBe(1);
  });

  it('sends a total counted already with the list, in one event', async () => {
    const hub = new EventHub();
    const events = listen(hub);
    const backups = [backup('a')];
    await new HistoryPublisher(hub, () => undefined).publish(listedCatalog(backups, { usage: () => ({ counted: usageOf(['a']) }) }));
    await settle();
    expect(events).toEqual([{ backups, usage: usageOf(['a']) }]);
  });

  it('drops the total of a list that a newer one replaced, and one that could not be counted', async () => {
    const hub = new EventHub();
    const events = listen(hub);
    const publisher = new HistoryPublisher(hub, () => undefined);
    const backups: BackupView[] = [backup('a')];
    const first = deferred<BackupsUsageView | undefined>();
    const second = deferred<BackupsUsageView | undefined>();
    const third = deferred<BackupsUsageView | undefined>();
    const countings = [first, second, third];
    const catalog = listedCatalog(backups, { usage: () => ({ counting: countings.shift()!.promise }) });
    await publisher.publish(catalog);
    backups.push(backup('b'));
    await publisher.publish(catalog);
    first.resolve(usageOf(['a']));
    await settle();
    expect(events.map((event) => event.usage)).toEqual([undefined, undefined]);
    second.resolve(usageOf(['a', 'b']));
    await settle();
    expect(events.at(-1)).toEqual({ backups: [backup('a'), backup('b')], usage: usageOf(['a', 'b']) });
    // The history changed before it was counted (undefined), or the count failed: no total, no event.
    await publisher.publish(catalog);
    third.resolve(undefined);
    await settle();
    expect(events).toHaveLength(4);
    expect(events.at(-1)?.usage).toBeUndefined();
  });

  it('pairs each list with the totals of its own version when two lists finish together', async () => {
    const hub = new EventHub();
    const events = listen(hub);
    const publisher = new HistoryPublisher(hub, () => undefined);
    const lists = [
      { backups: [backup('a')], version: 1 },
      { backups: [backup('a'), backup('b')], version: 2 },
    ];
    const reads = lists.map(() => deferred<(typeof lists)[number]>());
    const pending = [...reads];
    const catalog = listedCatalog([], {
      list: () => pending.shift()!.promise,
      usage: (version) => ({ counted: usageOf(lists.find((list) => list.version === version)?.backups.map((listed) => listed.id) ?? []) }),
    });
    const both = Promise.all([publisher.publish(catalog), publisher.publish(catalog)]);
    reads[0]!.resolve(lists[0]!);
    reads[1]!.resolve(lists[1]!);
    await both;
    expect(events).toEqual([
      { backups: [backup('a')], usage: usageOf(['a']) },
      { backups: [backup('a'), backup('b')], usage: usageOf(['a', 'b']) },
    ]);
  });
});
