import type { SchedulerClock } from '../../src/main/core/backup-scheduler';

interface PendingTimer {
  readonly at: number;
  readonly callback: () => void;
}

/** A scheduler clock moved by hand: timers fire in order, each at its own instant, as time passes them. */
export class ManualClock implements SchedulerClock {
  private readonly timers = new Set<PendingTimer>();

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, callback: () => void): () => void {
    const timer = { at: this.current + Math.max(0, delayMs), callback };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves to `instant`, firing every timer due on the way (a timer may set the next one). */
  advanceTo(instant: number): void {
    for (;;) {
      const due = [...this.timers].filter((timer) => timer.at <= instant).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due);
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = Math.max(this.current, instant);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** When the earliest pending timer fires, if any. */
  nextTimerAt(): number | undefined {
    const ats = [...this.timers].map((timer) => timer.at);
    return ats.length ? Math.min(...ats) : undefined;
  }
}
