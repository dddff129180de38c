import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { PublishQueue } from './publish-queue';

/** A batch step the test finishes by hand, recording what it was given. */
function manualBatches(): { batches: number[][]; finish: (error?: Error) => void; step: (batch: readonly number[]) => Promise<void> } {
  const batches: number[][] = [];
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    batches,
    finish: (error) => {
      const next = pending.shift();
      if (!next) throw new Error('no batch is running');
      if (error) next.reject(error);
      else next.resolve();
    },
    step: (batch) =>
      new Promise<void>((resolve, reject) => {
        batches.push([...batch]);
        pending.push({ resolve, reject });
      }),
  };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** A batch as soon as a copy waits and nothing runs: what the order and failure tests look at. */
const EVERY_COPY = { batchSize: 1 };

describe('PublishQueue (group commit of finished copies)', () => {
  it('publishes in order, one batch at a time, gathering what arrives while a batch runs', async () => {
    const { batches, finish, step } = manualBatches();
    const queue = new PublishQueue<number>(step, async () => undefined, EVERY_COPY);
    await queue.add(1);
    await queue.add(2);
    await queue.add(3);
    expect(batches).toEqual([[1]]);
    finish();
    await settled();
    expect(batches).toEqual([[1], [2, 3]]);
    const drained = queue.drain();
    finish();
    await drained;
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('holds copies back for a fuller batch, until enough wait, the oldest waited long enough, or a drain', async () => {
    // The machine's own pauses must not count as waiting: the clock moves only when the test says.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    onTestFinished(() => void vi.useRealTimers());
    const { batches, finish, step } = manualBatches();
    const queue = new PublishQueue<number>(step, async () => undefined, { batchSize: 3, maxDelayMs: 40 });
    await queue.add(1);
    await queue.add(2);
    await settled();
    expect(batches).toEqual([]);
    await queue.add(3);
    expect(batches).toEqual([[1, 2, 3]]);
    finish();
    await settled();
    await queue.add(4);
    vi.advanceTimersByTime(39);
    expect(batches).toEqual([[1, 2, 3]]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2, 3], [4]]);
    finish();
    await settled();
    await queue.add(5);
    const drained = queue.drain();
    expect(batches).toEqual([[1, 2, 3], [4], [5]]);
    finish();
    await drained;
  });

  it('makes the downloader wait once too many copies wait for a running batch', async () => {
    const { batches, finish, step } = manualBatches();
    const queue = new PublishQueue<number>(step, async () => undefined, { ...EVERY_COPY, maxWaiting: 2 });
    await queue.add(1);
    await queue.add(2);
    let third = false;
    const adding = queue.add(3).then(() => (third = true));
    await settled();
    expect(third).toBe(false);
    finish();
    await adding;
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('stops publishing at a failure, reports it, and discards what waited', async () => {
    const { batches, finish, step } = manualBatches();
    const discarded: number[] = [];
    const queue = new PublishQueue<number>(step, async (item) => void discarded.push(item), EVERY_COPY);
    await queue.add(1);
    await queue.add(2);
    finish(new Error('disk full'));
    await settled();
    expect(() => queue.throwIfFailed()).toThrow('disk full');
    await expect(queue.drain()).rejects.toThrow('disk full');
    await queue.settle(true);
    expect(batches).toEqual([[1]]);
    expect(discarded).toEqual([2]);
  });

  it('after a cancel lets the running batch finish and publishes nothing new', async () => {
    const { batches, finish, step } = manualBatches();
    const discarded: number[] = [];
    const queue = new PublishQueue<number>(step, async (item) => void discarded.push(item), EVERY_COPY);
    await queue.add(1);
    await queue.add(2);
    const settling = queue.settle(false);
    finish();
    await settling;
    expect(batches).toEqual([[1]]);
    expect(discarded).toEqual([2]);
  });

  it('after a pulled cable publishes the copies already complete', async () => {
    const { batches, finish, step } = manualBatches();
    const queue = new PublishQueue<number>(step, async () => undefined, EVERY_COPY);
    await queue.add(1);
    await queue.add(2);
    const settling = queue.settle(true);
    finish();
    await settled();
    finish();
    await settling;
    expect(batches).toEqual([[1], [2]]);
  });
});
