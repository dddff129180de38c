import type { CaseResult, Family, Outcome } from './fuzz-cases';

/**
 * Tallies results as they arrive and writes bench/FUZZ.md: what ran, the outcome per family and per
 * generator, and every distinct finding with a command that replays it.
 */
const FINDINGS: readonly Outcome[] = ['crash', 'escape', 'timeout', 'memory'];
const OUTCOMES: readonly Outcome[] = ['ok', 'refused', 'skipped', ...FINDINGS];

interface Tally {
  cases: number;
  readonly outcomes: Record<Outcome, number>;
  totalMs: number;
  maxMs: number;
  peakMb: number;
}

function emptyTally(): Tally {
  return { cases: 0, outcomes: Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>, totalMs: 0, maxMs: 0, peakMb: 0 };
}

function add(tally: Tally, result: CaseResult): void {
  tally.cases += 1;
  tally.outcomes[result.outcome] += 1;
  tally.totalMs += result.ms;
  tally.maxMs = Math.max(tally.maxMs, result.ms);
  tally.peakMb = Math.max(tally.peakMb, result.peakMb);
}

export interface RunDescription {
  readonly seed: number;
  readonly planned: Readonly<Record<Family, number>>;
  readonly processes: number;
  readonly startedAt: Date;
  readonly wallSeconds: number;
  readonly commit: string;
  readonly loadAverage: readonly number[];
}

export class FuzzTally {
  private readonly byFamily = new Map<Family, Tally>();
  private readonly byGenerator = new Map<string, Tally>();
  /** Distinct findings: one example each, and how often it happened. */
  private readonly findings = new Map<string, { readonly example: CaseResult; count: number }>();

  record(result: CaseResult): void {
    if (!this.byFamily.has(result.family)) this.byFamily.set(result.family, emptyTally());
    add(this.byFamily.get(result.family) as Tally, result);
    // Folder generators read "sample:mutation+mutation": tally each mutation on its own.
    const parts = result.family === 'folder' ? (result.generator.split(':')[1] ?? '').split('+') : [result.generator];
    for (const part of parts) {
      const key = `${result.family} ${part}`;
      if (!this.byGenerator.has(key)) this.byGenerator.set(key, emptyTally());
      add(this.byGenerator.get(key) as Tally, result);
    }
    if (FINDINGS.includes(result.outcome)) {
      const signature = `${result.family}|${result.outcome}|${normalise(result.detail ?? '')}`;
      const known = this.findings.get(signature);
      if (known) known.count += 1;
      else this.findings.set(signature, { example: result, count: 1 });
    }
  }

  findingCount(): number {
    return [...this.byFamily.values()].reduce((sum, tally) => sum + FINDINGS.reduce((inner, outcome) => inner + tally.outcomes[outcome], 0), 0);
  }

  markdown(run: RunDescription): string {
    const lines: string[] = [];
    const total = [...this.byFamily.values()].reduce((sum, tally) => sum + tally.cases, 0);
    const deviceCases = ['usbmux', 'lockdown', 'device-link', 'afc', 'engine'].reduce((sum, family) => sum + (this.byFamily.get(family as Family)?.cases ?? 0), 0);
    lines.push(
      '## Last run',
      '',
      `Seed ${run.seed}, commit ${run.commit}, started ${run.startedAt.toISOString()}, ${run.processes} child processes, ${(run.wallSeconds / 60).toFixed(1)} min wall time; load average when it ended ${run.loadAverage.map((value) => value.toFixed(1)).join(' / ')} (the machine is shared, so times are long).`,
      `${total} cases: ${deviceCases} device messages and conversations, ${this.byFamily.get('folder')?.cases ?? 0} backup folders; ${this.findingCount()} findings.`,
      '',
      '| Family | Cases | ok | refused | crash | escape | time-out | memory | skipped | mean ms | max ms | peak MB |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const [family, tally] of this.byFamily) lines.push(row(family, tally));
    lines.push('', '### By generator', '', '| Family and generator | Cases | ok | refused | crash | escape | time-out | memory | skipped | mean ms | max ms | peak MB |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [key, tally] of [...this.byGenerator].sort(([a], [b]) => a.localeCompare(b))) lines.push(row(key, tally));
    lines.push('', '### Findings', '');
    if (this.findings.size === 0) lines.push('None.');
    for (const { example, count } of [...this.findings.values()].sort((a, b) => b.count - a.count)) {
      lines.push(`- **${example.outcome}** in ${example.family} (${count}×, e.g. \`${example.generator}\`): ${escapeMarkdown(example.detail ?? '')}  `);
      lines.push(`  replay: \`npm run fuzz -- --replay ${example.family}:${run.seed}:${example.index}\``);
    }
    return `${lines.join('\n')}\n`;
  }
}

function row(name: string, tally: Tally): string {
  const o = tally.outcomes;
  return `| ${name} | ${tally.cases} | ${o.ok} | ${o.refused} | ${o.crash} | ${o.escape} | ${o.timeout} | ${o.memory} | ${o.skipped} | ${(tally.totalMs / Math.max(1, tally.cases)).toFixed(1)} | ${Math.round(tally.maxMs)} | ${tally.peakMb} |`;
}

/** Groups findings that differ only in numbers, paths or case folders. */
function normalise(detail: string): string {
  return detail.replace(/case-\d+/g, 'case-N').replace(/\d+/g, 'N').replace(/\/tmp\/[^ ;:]+/g, 'TMP').slice(0, 160);
}

function escapeMarkdown(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 400);
}
