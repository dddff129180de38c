import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '../src/shared/format';
import { type BenchRow, parseBenchOptions, profilesFor } from './bench-options';
import { type BenchContext, createBenchContext, freeBytes } from './bench-context';
import { BROWSE_ROWS, describeBrowse, runBrowseBenchmark } from './browse';
import { benchCliStartup } from './cli-row';
import { benchEventLoop } from './event-loop-row';
import { benchFullBackups, fullBackupVerdict } from './full-row';
import { benchHuge } from './huge';
import { benchIncrementals } from './incremental-row';
import { benchPhotoImport } from './photos-row';
import { benchRestores } from './restore-row';
import { type MachineDetails, type ProfileOutcome, renderResults } from './results-report';
import { renderVerdicts, type RowSection, type Verdict } from './row-report';

/**
 * `npm run bench`: Lifeboat against another tool doing the same work on the same virtual iPhone
 * (a simulator process per row), one row after the other: full backups, incremental backups,
 * restore, photo import, CLI start-up, the app core's event-loop delay, the million-file profile
 * and the backup browser. Writes bench/RESULTS.md (or --out FILE). Never run in CI, and no test
 * asserts on these numbers.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = path.join(repoRoot, 'bench', 'RESULTS.md');

function toolVersion(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0] ?? '?';
  } catch {
    return 'not installed';
  }
}

function machineDetails(scratch: string): MachineDetails {
  const cpus = os.cpus();
  return {
    lines: [
      `CPU: ${cpus[0]?.model ?? '?'} × ${cpus.length}`,
      `Memory: ${formatBytes(os.totalmem())}`,
      `OS: ${os.type()} ${os.release()} (${os.arch()})`,
      `Node ${process.version}; ${toolVersion('idevicebackup2', ['--version'])}`,
      `Scratch disk: ${scratch} (${formatBytes(freeBytes(scratch))} free at start)`,
      `Load average at the start: ${os.loadavg().map((load) => load.toFixed(1)).join(', ')}`,
    ],
  };
}

/** Full backups of every profile; their folders are deleted only once all are done (see full-row.ts). */
async function runFullRow(context: BenchContext): Promise<ProfileOutcome[]> {
  const outcomes: ProfileOutcome[] = [];
  const workDirs: string[] = [];
  try {
    for (const profile of profilesFor(context.options, 'full')) {
      const outcome = await benchFullBackups(context, profile);
      if (outcome.workDir !== undefined) workDirs.push(outcome.workDir);
      outcomes.push(outcome);
    }
  } finally {
    context.log('removing the full-backup benchmark backups…');
    for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  return outcomes;
}

async function runBrowseRow(): Promise<RowSection> {
  const browse = await runBrowseBenchmark();
  return { markdown: [`## Backup browser: ${BROWSE_ROWS} rows (bench/browse.ts)`, '', '| Step | Time |', '|---|---|', ...describeBrowse(browse)].join('\n'), verdicts: [] };
}

const ROW_RUNNERS: Readonly<Record<Exclude<BenchRow, 'full'>, (context: BenchContext) => Promise<RowSection>>> = {
  incremental: benchIncrementals,
  restore: benchRestores,
  photos: benchPhotoImport,
  cli: benchCliStartup,
  'event-loop': benchEventLoop,
  huge: benchHuge,
  browse: runBrowseRow,
};

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const scratch = os.tmpdir();
  const startedAt = new Date();
  const machine = machineDetails(scratch);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const context = createBenchContext(repoRoot, scratch, options, log);
  const outcomes = options.rows.includes('full') ? await runFullRow(context) : [];
  const verdicts: Verdict[] = outcomes.map(fullBackupVerdict);
  const sections: string[] = [];
  for (const row of options.rows) {
    if (row === 'full') continue;
    log(`— ${row} —`);
    const section = await ROW_RUNNERS[row](context);
    if (section.markdown !== '') sections.push(section.markdown);
    verdicts.push(...section.verdicts);
  }
  const notes = [
    `Rows run: ${options.rows.join(', ')} (\`npm run bench -- --only ROW\` runs one).`,
    `Load average at the end: ${os.loadavg().map((load) => load.toFixed(1)).join(', ')} (other jobs on the machine slow both tools alike, but add noise).`,
  ];
  if (verdicts.some((verdict) => verdict.met === false)) notes.unshift('At least one target is not met in this run: bench/README.md says where Lifeboat\'s time goes.');
  const markdown = renderResults(outcomes, machine, startedAt, notes, [renderVerdicts(verdicts).join('\n'), ...sections]);
  process.stdout.write(markdown);
  const outFile = options.outFile === undefined ? RESULTS_FILE : path.resolve(options.outFile);
  if (options.write) {
    fs.writeFileSync(outFile, markdown);
    log(`Wrote ${path.relative(process.cwd(), outFile)}.`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
