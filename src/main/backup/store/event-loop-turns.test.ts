import { describe, expect, it } from 'vitest';
import { EventLoopTurns } from './event-loop-turns';

/** How many immediates (turns of the event loop) ran while `steps` steps were taken with `clock`. */
async function turnsDuring(steps: number, clock: () => number): Promise<number> {
  const turns = new EventLoopTurns(clock);
  let immediates = 0;
  let counting = true;
  const count = (): void => {
    if (!counting) return;
    immediates += 1;
    setImmediate(count);
  };
  setImmediate(count);
  for (let i = 0; i < steps; i += 1) await turns.step();
  counting = false;
  return immediates;
}

describe('EventLoopTurns', () => {
  it('gives the event loop a turn every 200 quick calls', async () => {
    const turns = await turnsDuring(1_000, () => 0);
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(turns).toBeLessThanOrEqual(6);
  });

  it('gives a turn after every call once each takes longer than the budget (a slow disk)', async () => {
    let now = 0;
    const turns = await turnsDuring(50, () => (now += 10));
    expect(turns).toBeGreaterThanOrEqual(49);
  });
});
