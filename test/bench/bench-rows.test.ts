import { describe, expect, it } from 'vitest';
import { BENCH_ROWS, parseBenchOptions, profilesFor, roundsFor } from '../../bench/bench-options';
import { describe as describeEventLoop } from '../../bench/event-loop-row';
import { changeCommand } from '../../bench/incremental-row';
import type { Measurement } from '../../bench/measure';
import { median, ratioVerdict, renderVerdicts } from '../../bench/row-report';

const run = (tool: Measurement['tool'], wallMs: number): Measurement => ({ tool, wallMs, files: 1, bytes: 1, maxRssKb: 1024 });

describe('npm run bench options', () => {
  it('runs every row by default, and one row with --only', () => {
    expect(parseBenchOptions([]).rows).toEqual(BENCH_ROWS);
    const restore = parseBenchOptions(['--only', 'restore', '--rounds', '1']);
    expect(restore.rows).toEqual(['restore']);
    expect(roundsFor(restore, 'restore')).toBe(1);
    expect(parseBenchOptions(['--only=event-loop', '--only', 'cli']).rows).toEqual(['cli', 'event-loop']);
  });

  it('keeps --only lifeboat meaning one tool, as before', () => {
    const options = parseBenchOptions(['--only', 'lifeboat', '--profile', 'large']);
    expect(options.tools).toEqual(['lifeboat']);
    expect(options.rows).toEqual(BENCH_ROWS);
    expect(profilesFor(options, 'full')).toEqual(['large']);
  });

  it('gives each row the profile and rounds issue 16 names unless told otherwise', () => {
    const options = parseBenchOptions([]);
    expect(profilesFor(options, 'full')).toEqual(['many-small', 'large']);
    expect(profilesFor(options, 'incremental')).toEqual(['large']);
    expect(profilesFor(options, 'event-loop')).toEqual(['large']);
    expect(roundsFor(options, 'full', 'large')).toBeGreaterThanOrEqual(3);
    expect(roundsFor(options, 'cli')).toBe(10);
    expect(options.photos).toBe(5_000);
  });

  it('--quick is the full row on many-small; --out and --photos are read', () => {
    const quick = parseBenchOptions(['--quick', '--only', 'restore']);
    expect(quick.rows).toEqual(['full']);
    expect(quick.profiles).toEqual(['many-small']);
    const trial = parseBenchOptions(['--out', '/tmp/trial.md', '--photos', '300']);
    expect(trial.outFile).toBe('/tmp/trial.md');
    expect(trial.photos).toBe(300);
  });

  it('refuses unknown rows, tools and counts with a sentence', () => {
    expect(() => parseBenchOptions(['--only', 'resotre'])).toThrow(/Unknown row "resotre"/);
    expect(() => parseBenchOptions(['--tool', 'restore'])).toThrow(/Unknown tool "restore"/);
    expect(() => parseBenchOptions(['--rounds', '0'])).toThrow(/--rounds needs a whole number/);
    expect(() => parseBenchOptions(['--photos', '10000'])).toThrow(/--photos needs a whole number/);
  });
});

describe('benchmark verdicts', () => {
  it('compares medians against the target', () => {
    const measurements = [run('lifeboat', 900), run('idevicebackup2', 1000), run('lifeboat', 5000), run('idevicebackup2', 1100), run('lifeboat', 950), run('idevicebackup2', 1050)];
    const met = ratioVerdict('No-change incremental backup, large', measurements, 'idevicebackup2', 1.0);
    expect(met.met).toBe(true);
    expect(met.measured).toMatch(/^0\.90× \(medians 0\.95 s against 1\.05 s, 3 rounds\)/);
    expect(ratioVerdict('x', measurements, 'idevicebackup2', 0.7).met).toBe(false);
  });

  it('says nothing when a tool did not run or too few rounds ran', () => {
    expect(ratioVerdict('x', [run('lifeboat', 1)], 'idevicebackup2', 1).met).toBeUndefined();
    const oneRound = ratioVerdict('Full backup, large', [run('lifeboat', 1), run('idevicebackup2', 2)], 'idevicebackup2', 0.7, 3);
    expect(oneRound.met).toBeUndefined();
    expect(oneRound.measured).toMatch(/too few rounds/);
    expect(renderVerdicts([oneRound]).at(-1)).toMatch(/\| not shown \|$/);
  });

  it('takes the median of an even count as the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN])).toBeUndefined();
  });
});

describe('the rows', () => {
  it('changes 1 % of the phone\'s files, mostly edits', () => {
    expect(changeCommand(102_599)).toBe('change modify=820 add-photos=103 delete=103');
    expect(changeCommand(10)).toBe('change modify=1 add-photos=1 delete=1');
  });

  it('groups event-loop stalls by the job phase they fell in, beside the idle control process\'s delay', () => {
    const lines = describeEventLoop('large', [{
      kind: 'full',
      load: 1.5,
      report: {
        jobMs: 20_000, outcome: 'succeeded', filesDone: 100, bytesDone: 1, p50Ms: 10.1, p99Ms: 80, maxMs: 400, meanMs: 11, maxRssKb: 200 * 1024,
        stalls: [{ atMs: 100, ms: 60, phase: 'preparing' }, { atMs: 19_000, ms: 400, phase: 'finishing' }, { atMs: 19_500, ms: 70, phase: 'finishing' }],
      },
      idle: { p99Ms: 12.5, maxMs: 30 },
    }]);
    expect(lines.join('\n')).toContain('| full | 20.0 s | 100 | 10.1 ms | 80 ms | 400 ms | 11 ms | 3 | 200 MB | 1.5 | 12.5 ms | 30 ms |');
    expect(lines.at(-1)).toBe('full: stalls by job phase: preparing 1 (60 ms), finishing 2 (470 ms); longest: 400 ms at 19.0 s (finishing), 70 ms at 19.5 s (finishing), 60 ms at 0.10 s (preparing).');
  });
});
