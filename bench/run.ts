import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '../src/shared/format';
import { type BenchOptions, type BenchProfile, parseBenchOptions, roundsFor } from './bench-options';
import { BROWSE_ROWS, describeBrowse, runBrowseBenchmark } from './browse';
import { bundleLifeboatChild } from './child-bundle';
import { type Measurement, measureIdevicebackup2, measureLifeboat } from './measure';
import { type MachineDetails, type ProfileOutcome, renderResults, TARGET_RATIO, timeRatio } from './results-report';
import { startSimProcess } from './sim-process';

/**
 * `npm run bench`: full backups of the same virtual iPhone by Lifeboat and by idevicebackup2, one
 * after the other against one simulator process, for the `many-small` and `large` profiles.
 * Writes bench/RESULTS.md. Never run in CI, and no test asserts on these numbers.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = path.join(repoRoot, 'bench', 'RESULTS.md');
/** The large profile writes ~7.5 GB per backup, and every backup of a profile is kept until its end. */
const LARGE_BACKUP_BYTES = 7.5e9;
const SLACK_BYTES = 5e9;
const SEED = 1;

function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

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

function timeBinary(): string | undefined {
  return fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
}

function pair(env: NodeJS.ProcessEnv): void {
  // idevicepair stores the record in the simulator's usbmuxd, where Lifeboat reads it too.
  execFileSync('idevicepair', ['pair'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Runs one profile. Its backups are left in the returned `workDir` for the caller to delete once
 * every profile is done: deleting tens of thousands of files slows the next minutes of file
 * creation on ext4 without a journal (see the comment in the round loop), which would tax the
 * next profile's first rounds.
 */
async function benchProfile(profile: BenchProfile, options: BenchOptions, childBundle: string, scratch: string, log: (line: string) => void): Promise<ProfileOutcome & { readonly workDir?: string }> {
  const { tools, cpuProfileDir } = options;
  const rounds = roundsFor(options, profile);
  // One untimed warm-up backup per tool, then the measured rounds.
  const neededBytes = (rounds + 1) * tools.length * LARGE_BACKUP_BYTES + SLACK_BYTES;
  if (profile === 'large' && freeBytes(scratch) < neededBytes) {
    return { profile, measurements: [], skipped: `only ${formatBytes(freeBytes(scratch))} free on ${scratch}; ${rounds} round(s) of the large profile need ${formatBytes(neededBytes)}` };
  }
  const time = timeBinary();
  if (tools.includes('idevicebackup2') && time === undefined) {
    return { profile, measurements: [], skipped: '/usr/bin/time is missing (apt-get install -y time)' };
  }
  const workDir = fs.mkdtempSync(path.join(scratch, `lifeboat-bench-${profile}-`));
  const stateDir = path.join(workDir, 'state');
  fs.mkdirSync(stateDir);
  log(`${profile}: starting the virtual iPhone…`);
  const sim = await startSimProcess({ repoRoot, stateDir, profile, seed: SEED });
  const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address };
  const measurements: Measurement[] = [];
  try {
    pair(env);
    // An untimed backup by each tool first. The phone process builds its caches (picture pool,
    // small files) during its first backup. And the first gigabytes written after that land in
    // memory the virtual machine has not touched for a while: perf showed the kernel's page-cache
    // copy (copy_folio_from_iter_atomic) taking ten times as long in that backup (24 % of all
    // samples against 2.3 %), a 22 s backup instead of 15 s. Either would be charged to whichever
    // tool went first.
    for (const tool of [...tools].reverse()) {
      log(`${profile}: warm-up backup by ${tool} (not measured)…`);
      const warmUp = path.join(workDir, `warm-up-${tool}`);
      fs.mkdirSync(warmUp);
      if (tool === 'lifeboat') await measureLifeboat(repoRoot, childBundle, warmUp, sim.udid, env);
      else await measureIdevicebackup2(time as string, warmUp, sim.udid, env);
    }
    for (let round = 1; round <= rounds; round += 1) {
      // Alternate who goes first, so neither tool always meets a warmer or busier machine.
      const order = round % 2 === 1 ? tools : [...tools].reverse();
      for (const tool of order) {
        // Every backup stays until the profile ends: on ext4 without a journal, creating files
        // right after deleting many is several times slower (the inode allocator skips inodes
        // freed in the last minute), which would tax whichever tool ran next.
        const target = path.join(workDir, `${tool}-${round}`);
        fs.mkdirSync(target);
        // Write back the previous run's files first, so the kernel's flusher threads do not
        // compete for the two cores with the run being measured.
        execFileSync('sync');
        log(`${profile}: round ${round}/${rounds}: ${tool} backing up…`);
        const measurement = tool === 'lifeboat' ? await measureLifeboat(repoRoot, childBundle, target, sim.udid, env, cpuProfileDir) : await measureIdevicebackup2(time as string, target, sim.udid, env);
        log(`${profile}: ${tool} took ${(measurement.wallMs / 1000).toFixed(1)} s, ${measurement.files} files, peak RSS ${(measurement.maxRssKb / 1024).toFixed(0)} MB`);
        measurements.push({ ...measurement, round });
      }
    }
  } catch (error) {
    await sim.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  await sim.stop();
  return { profile, measurements, workDir };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const scratch = os.tmpdir();
  const startedAt = new Date();
  const machine = machineDetails(scratch);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const outcomes: ProfileOutcome[] = [];
  const childBundle = await bundleLifeboatChild(repoRoot);
  const workDirs: string[] = [];
  try {
    for (const profile of options.profiles) {
      const outcome = await benchProfile(profile, options, childBundle, scratch, log);
      if (outcome.workDir !== undefined) workDirs.push(outcome.workDir);
      outcomes.push(outcome);
    }
  } finally {
    log('removing the benchmark backups…');
    for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  const notes: string[] = [];
  const sections: string[] = [];
  if (options.tools.includes('lifeboat')) {
    log(`browser: opening and searching a ${BROWSE_ROWS}-row Manifest.db…`);
    const browse = await runBrowseBenchmark();
    sections.push([`## Backup browser: ${BROWSE_ROWS} rows (bench/browse.ts)`, '', '| Step | Time |', '|---|---|', ...describeBrowse(browse)].join('\n'));
  }
  if (outcomes.some((outcome) => (timeRatio(outcome) ?? 0) > TARGET_RATIO)) {
    notes.push('Lifeboat misses the time target on at least one profile: bench/README.md says where its time goes.');
  }
  notes.push(`Load average at the end: ${os.loadavg().map((load) => load.toFixed(1)).join(', ')} (other jobs on the machine slow both tools alike, but add noise).`);
  const markdown = renderResults(outcomes, machine, startedAt, notes, sections);
  process.stdout.write(markdown);
  if (options.write) {
    fs.writeFileSync(RESULTS_FILE, markdown);
    log(`Wrote ${path.relative(process.cwd(), RESULTS_FILE)}.`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
