import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../src/shared/format';
import type { BenchOptions, BenchProfile } from './bench-options';
import { bundleLifeboatChild, type ChildEntry } from './child-bundle';
import { type SimProcess, startSimProcess } from './sim-process';

/** What every row of the benchmark needs from the driver (run.ts). */
export interface BenchContext {
  readonly repoRoot: string;
  /** The disk the backups go to (the system's temporary folder). */
  readonly scratch: string;
  readonly options: BenchOptions;
  readonly log: (line: string) => void;
  /** GNU time, for the other tools' peak RSS; undefined when /usr/bin/time is missing. */
  readonly timeBinary: string | undefined;
  /** The bundled child program, built once per run. */
  bundle(entry: ChildEntry): Promise<string>;
}

/** The seed of every virtual iPhone of the benchmark, so runs on two machines see the same phone. */
export const SEED = 1;

/** The large profile writes ~7.5 GB per backup. */
export const LARGE_BACKUP_BYTES = 7.5e9;
export const MANY_SMALL_BACKUP_BYTES = 0.5e9;
export const SLACK_BYTES = 5e9;

export function backupBytesOf(profile: BenchProfile): number {
  return profile === 'large' ? LARGE_BACKUP_BYTES : MANY_SMALL_BACKUP_BYTES;
}

export function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

/** Why a row cannot run on this disk, as a sentence; undefined when there is room. */
export function tooLittleDisk(context: BenchContext, neededBytes: number, what: string): string | undefined {
  const free = freeBytes(context.scratch);
  return free < neededBytes ? `only ${formatBytes(free)} free on ${context.scratch}; ${what} need ${formatBytes(neededBytes)}` : undefined;
}

export function createBenchContext(repoRoot: string, scratch: string, options: BenchOptions, log: (line: string) => void): BenchContext {
  const bundles = new Map<ChildEntry, Promise<string>>();
  return {
    repoRoot,
    scratch,
    options,
    log,
    timeBinary: fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined,
    bundle(entry) {
      let built = bundles.get(entry);
      if (built === undefined) {
        built = bundleLifeboatChild(repoRoot, entry);
        bundles.set(entry, built);
      }
      return built;
    },
  };
}

/** A virtual iPhone of `profile` in its own process, paired (idevicepair stores the record in the simulator's usbmuxd, where Lifeboat reads it too). */
export interface PairedSim {
  readonly sim: SimProcess;
  readonly env: NodeJS.ProcessEnv;
}

export async function startPairedSim(context: BenchContext, workDir: string, profile: BenchProfile): Promise<PairedSim> {
  const stateDir = path.join(workDir, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  context.log(`${profile}: starting the virtual iPhone…`);
  const sim = await startSimProcess({ repoRoot: context.repoRoot, stateDir, profile, seed: SEED });
  const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address };
  try {
    execFileSync('idevicepair', ['pair'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    await sim.stop();
    throw error;
  }
  return { sim, env };
}

/**
 * Writes back what earlier runs wrote, so the kernel's flusher threads do not compete for the two
 * cores with the run being measured.
 */
export function settleDisk(): void {
  execFileSync('sync');
}

/** Alternates who goes first, so neither tool always meets a warmer or busier machine. */
export function orderFor<T>(round: number, tools: readonly T[]): readonly T[] {
  return round % 2 === 1 ? tools : [...tools].reverse();
}
