import fs from 'node:fs';
import path from 'node:path';
import { roundsFor } from './bench-options';
import type { BenchContext } from './bench-context';
import { runProcess } from './measure';
import { median, type RowSection, seconds } from './row-report';

/** Issue 16: `lifeboat --help` at most 5× a bare `node -e 0`. */
export const CLI_TARGET_RATIO = 5;

interface StartCommand {
  readonly label: string;
  readonly args: readonly string[];
}

/**
 * CLI start-up: `node bin/lifeboat.mjs --help`, whatever that file does (the bundle from
 * `npm ci`'s prepare step when there is one, else the sources through tsx), against a bare
 * `node -e 0`, which is the floor any Node program pays. Runs alternate, after one untimed run
 * each so both start from a warm file cache; the ratio uses the medians.
 */
export async function benchCliStartup(context: BenchContext): Promise<RowSection> {
  const runs = roundsFor(context.options, 'cli');
  const commands: StartCommand[] = [
    { label: 'node bin/lifeboat.mjs --help', args: [path.join('bin', 'lifeboat.mjs'), '--help'] },
    { label: 'node -e 0', args: ['-e', '0'] },
  ];
  const times = new Map<string, number[]>(commands.map((command) => [command.label, []]));
  const once = async (command: StartCommand): Promise<number> => {
    const run = await runProcess(process.execPath, command.args, process.env, context.repoRoot, 'ignore');
    if (run.code !== 0) throw new Error(`${command.label} failed (exit ${run.code}): ${run.stderr.trim().slice(-1000)}`);
    return run.wallMs;
  };
  for (const command of commands) await once(command);
  for (let round = 1; round <= runs; round += 1) {
    for (const command of round % 2 === 1 ? commands : [...commands].reverse()) times.get(command.label)?.push(await once(command));
  }
  context.log(`cli: ${commands.map((command) => `${command.label} ${seconds(median(times.get(command.label) ?? []) ?? Number.NaN)}`).join(', ')}`);
  const cli = median(times.get('node bin/lifeboat.mjs --help') ?? []) ?? Number.NaN;
  const node = median(times.get('node -e 0') ?? []) ?? Number.NaN;
  const ratio = cli / node;
  const bundle = path.join(context.repoRoot, 'dist', 'cli', 'lifeboat.js');
  const lines = [
    `## CLI start-up: lifeboat --help vs node -e 0 (medians of ${runs})`,
    '',
    '| Command | Median | Fastest | Slowest |',
    '|---|---|---|---|',
    ...commands.map((command) => {
      const all = times.get(command.label) ?? [];
      return `| \`${command.label}\` | ${Math.round(median(all) ?? Number.NaN)} ms | ${Math.round(Math.min(...all))} ms | ${Math.round(Math.max(...all))} ms |`;
    }),
    '',
    `A CLI bundle at dist/cli/lifeboat.js: ${fs.existsSync(bundle) ? 'present' : 'absent'} (bin/lifeboat.mjs decides what it runs).`,
  ];
  const measured = `${ratio.toFixed(1)}× (${Math.round(cli)} ms against ${Math.round(node)} ms)`;
  return { markdown: lines.join('\n'), verdicts: [{ row: 'CLI start-up, `--help`', target: `≤ ${CLI_TARGET_RATIO}× node -e 0`, measured, met: Number.isFinite(ratio) ? ratio <= CLI_TARGET_RATIO : undefined }] };
}
