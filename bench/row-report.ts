import { formatBytes } from '../src/shared/format';
import type { Measurement } from './measure';

/** One of issue 16's "Done when" targets and how this run did against it. */
export interface Verdict {
  /** The row, e.g. "No-change incremental backup, large". */
  readonly row: string;
  /** The target as issue 16 words it, e.g. "≤ 1.0× idevicebackup2". */
  readonly target: string;
  /** What was measured, e.g. "0.84× (5.1 s against 6.1 s)". */
  readonly measured: string;
  /** Undefined: not measured in this run, or not enough rounds to say. */
  readonly met: boolean | undefined;
}

/** A row's section of RESULTS.md: a heading, its table and notes, and its verdicts. */
export interface RowSection {
  readonly markdown: string;
  readonly verdicts: readonly Verdict[];
}

export function median(values: readonly number[]): number | undefined {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * Lifeboat's median wall time over the other tool's in `measurements`, as a verdict against
 * `limit`; not met-or-missed (undefined) when a tool did not run or too few rounds ran.
 */
export function ratioVerdict(row: string, measurements: readonly Measurement[], reference: Measurement['tool'], limit: number, minRounds = 1): Verdict {
  const target = `≤ ${limit.toFixed(1)}× ${reference}${minRounds > 1 ? `, ${minRounds}+ rounds` : ''}`;
  const lifeboatRuns = measurements.filter((m) => m.tool === 'lifeboat');
  const lifeboat = median(lifeboatRuns.map((m) => m.wallMs));
  const other = median(measurements.filter((m) => m.tool === reference).map((m) => m.wallMs));
  if (lifeboat === undefined || other === undefined) return { row, target, measured: 'not measured (both tools must run)', met: undefined };
  const ratio = lifeboat / other;
  const measured = `${ratio.toFixed(2)}× (medians ${seconds(lifeboat)} against ${seconds(other)}, ${lifeboatRuns.length} round${lifeboatRuns.length === 1 ? '' : 's'})`;
  if (lifeboatRuns.length < minRounds) return { row, target, measured: `${measured}; too few rounds to say`, met: undefined };
  return { row, target, measured, met: ratio <= limit };
}

/** A markdown table of measurements: one line per run, in the order they ran. */
export function measurementTable(what: string, measurements: readonly Measurement[]): string[] {
  const lines = [`| ${what} | Tool | Round | Wall time | Files | Bytes | Peak RSS |`, '|---|---|---|---|---|---|---|'];
  for (const m of measurements) {
    const inner = m.innerMs === undefined ? '' : ` (${seconds(m.innerMs)} in the job)`;
    const files = Number.isFinite(m.files) ? String(m.files) : '—';
    const bytes = Number.isFinite(m.bytes) ? formatBytes(m.bytes) : '—';
    lines.push(`| ${m.label ?? ''} | ${m.tool} | ${m.round ?? ''} | ${seconds(m.wallMs)}${inner} | ${files} | ${bytes} | ${(m.maxRssKb / 1024).toFixed(0)} MB |`);
  }
  return lines;
}

function verdictWord(met: boolean | undefined): string {
  if (met === undefined) return 'not shown';
  return met ? '**met**' : '**not met**';
}

/** The summary at the top of RESULTS.md: every target of issue 16 and whether this run met it. */
export function renderVerdicts(verdicts: readonly Verdict[]): string[] {
  const lines = ['## Targets (issue 16, "Done when")', '', '| Row | Target | Measured | Verdict |', '|---|---|---|---|'];
  for (const verdict of verdicts) lines.push(`| ${verdict.row} | ${verdict.target} | ${verdict.measured} | ${verdictWord(verdict.met)} |`);
  return lines;
}
