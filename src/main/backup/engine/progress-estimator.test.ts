import { describe, expect, it } from 'vitest';
import { ProgressEstimator, roundEta } from './progress-estimator';

/** A scripted clock: the estimator only ever sees the time through it. */
function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('progress estimator', () => {
  it('reaches an announced percent only when its step is done, moving by the step’s bytes meanwhile', () => {
    const time = clock();
    const estimator = new ProgressEstimator(time.now);
    // The phone announces an upload that ends at 88 % (what made the bar jump there in 2 s).
    estimator.stepAnnounced(88, 1_000);
    expect(estimator.estimate().percent).toBe(0);
    estimator.stepBytes(500);
    expect(estimator.estimate().percent).toBeCloseTo(44);
    // More bytes than announced never pass the step's end before the phone says it is over.
    estimator.stepBytes(5_000);
    expect(estimator.estimate().percent).toBeLessThan(88);
    estimator.finishStep();
    expect(estimator.estimate().percent).toBe(88);
  });

  it('without a byte count, stays at the last finished step rather than guess', () => {
    const estimator = new ProgressEstimator(clock().now);
    estimator.stepAnnounced(30);
    estimator.stepBytes(1_000_000);
    expect(estimator.estimate().percent).toBe(0);
    estimator.stepAnnounced(60);
    expect(estimator.estimate().percent).toBe(30);
  });

  it('never goes backwards, whatever the phone sends (retries, NaN, out of range)', () => {
    const estimator = new ProgressEstimator(clock().now);
    const seen: number[] = [];
    for (const value of [10, 50, 20, Number.NaN, -5, 40, 150, 70]) {
      estimator.stepAnnounced(value);
      estimator.finishStep();
      seen.push(estimator.estimate().percent);
    }
    expect(seen).toEqual([10, 50, 50, 50, 50, 50, 100, 100]);
    for (let index = 1; index < seen.length; index += 1) expect(seen[index]).toBeGreaterThanOrEqual(seen[index - 1]!);
  });

  it('gives no time left in the first 10 seconds after the percent moves, nor before 5 %', () => {
    const time = clock();
    const estimator = new ProgressEstimator(time.now);
    // A minute of preparation at 0 % does not count as steady work.
    time.advance(60_000);
    expect(estimator.estimate()).toEqual({ percent: 0, etaSeconds: undefined });
    // Then 40 % in 2 s: fast, but too early to promise anything.
    estimator.reach(10);
    estimator.estimate();
    time.advance(2_000);
    estimator.reach(40);
    expect(estimator.estimate().etaSeconds).toBeUndefined();
    // 12 s of a crawl that has done 1 %: still nothing, and certainly not "900 h".
    const slow = new ProgressEstimator(time.now);
    slow.reach(0.5);
    slow.estimate();
    time.advance(12_000);
    slow.reach(1);
    expect(slow.estimate().etaSeconds).toBeUndefined();
  });

  it('once steady, says a rounded time from the recent rate', () => {
    const time = clock();
    const estimator = new ProgressEstimator(time.now);
    // 1 % a second for 20 s.
    for (let second = 1; second <= 20; second += 1) {
      time.advance(1_000);
      estimator.reach(second);
      estimator.estimate();
    }
    // 80 % left at 1 %/s: 80 s, said in 5-second steps.
    expect(estimator.estimate().etaSeconds).toBe(80);
    // The pace halves for a minute: the estimate follows the recent rate, not the whole run's.
    for (let step = 1; step <= 60; step += 1) {
      time.advance(1_000);
      estimator.reach(20 + step / 2);
      estimator.estimate();
    }
    // 50 % done, 0.5 %/s → 100 s → rounded to whole minutes above 90 s.
    expect(estimator.estimate().etaSeconds).toBe(120);
  });

  it('says nothing when stalled or implausible, and nothing once done', () => {
    const time = clock();
    const estimator = new ProgressEstimator(time.now);
    estimator.reach(1);
    estimator.estimate();
    time.advance(10_000);
    estimator.reach(5);
    estimator.estimate();
    // No progress for a whole rate window: no rate, no time left.
    time.advance(61_000);
    estimator.estimate();
    time.advance(1_000);
    expect(estimator.estimate().etaSeconds).toBeUndefined();
    // 5 % more in 10 hours would be ~8 days left: not a number to show.
    const crawl = new ProgressEstimator(time.now);
    crawl.reach(1);
    crawl.estimate();
    time.advance(10 * 3600 * 1000);
    crawl.reach(6);
    expect(crawl.estimate().etaSeconds).toBeUndefined();
    estimator.reach(100);
    expect(estimator.estimate()).toEqual({ percent: 100, etaSeconds: undefined });
  });

  it('rounds to what a person can use', () => {
    expect(roundEta(0.4)).toBe(5);
    expect(roundEta(41)).toBe(45);
    expect(roundEta(100)).toBe(120);
    expect(roundEta(3_599)).toBe(3_600);
    expect(roundEta(2 * 3600 + 7 * 60)).toBe(2 * 3600 + 5 * 60);
  });
});
