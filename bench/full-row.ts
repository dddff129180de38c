import fs from 'node:fs';
import path from 'node:path';
import type { BenchProfile } from './bench-options';
import { roundsFor } from './bench-options';
import { type BenchContext, LARGE_BACKUP_BYTES, orderFor, settleDisk, SLACK_BYTES, startPairedSim, tooLittleDisk } from './bench-context';
import { type Measurement, measureIdevicebackup2, measureLifeboat } from './measure';
import type { ProfileOutcome } from './results-report';
import { ratioVerdict, type Verdict } from './row-report';

/** Issue 16: a full backup at most 0.7× idevicebackup2's time on both profiles, 3+ rounds each. */
export const FULL_TARGET_RATIO = 0.7;
export const FULL_MIN_ROUNDS = 3;

/**
 * Full backups of one profile, each tool into an empty folder, `--rounds` times. Its backups are
 * left in the returned `workDir` for the caller to delete once every profile is done: deleting
 * tens of thousands of files slows the next minutes of file creation on ext4 without a journal
 * (see the comment in the round loop), which would tax the next profile's first rounds.
 */
export async function benchFullBackups(context: BenchContext, profile: BenchProfile): Promise<ProfileOutcome & { readonly workDir?: string }> {
  const { tools, cpuProfileDir } = context.options;
  const rounds = roundsFor(context.options, 'full', profile);
  // One untimed warm-up backup per tool, then the measured rounds.
  const neededBytes = (rounds + 1) * tools.length * LARGE_BACKUP_BYTES + SLACK_BYTES;
  const noRoom = profile === 'large' ? tooLittleDisk(context, neededBytes, `${rounds} round(s) of the large profile`) : undefined;
  if (noRoom !== undefined) return { profile, measurements: [], skipped: noRoom };
  const time = context.timeBinary;
  if (tools.includes('idevicebackup2') && time === undefined) {
    return { profile, measurements: [], skipped: '/usr/bin/time is missing (apt-get install -y time)' };
  }
  const childBundle = await context.bundle('lifeboat-child');
  const workDir = fs.mkdtempSync(path.join(context.scratch, `lifeboat-bench-${profile}-`));
  const measurements: Measurement[] = [];
  const { sim, env } = await startPairedSim(context, workDir, profile).catch((error: unknown) => {
    fs.rmSync(workDir, { recursive: true, force: true });
    throw error;
  });
  const backUp = (tool: string, target: string, profiling?: string): Promise<Measurement> =>
    tool === 'lifeboat' ? measureLifeboat(context.repoRoot, childBundle, 'backup-full', target, sim.udid, env, profiling) : measureIdevicebackup2(time as string, 'backup-full', target, sim.udid, env);
  try {
    // An untimed backup by each tool first. The phone process builds its caches (picture pool,
    // small files) during its first backup. And the first gigabytes written after that land in
    // memory the virtual machine has not touched for a while: perf showed the kernel's page-cache
    // copy (copy_folio_from_iter_atomic) taking ten times as long in that backup (24 % of all
    // samples against 2.3 %), a 22 s backup instead of 15 s. Either would be charged to whichever
    // tool went first.
    for (const tool of [...tools].reverse()) {
      context.log(`${profile}: warm-up backup by ${tool} (not measured)…`);
      const warmUp = path.join(workDir, `warm-up-${tool}`);
      fs.mkdirSync(warmUp);
      await backUp(tool, warmUp);
    }
    for (let round = 1; round <= rounds; round += 1) {
      for (const tool of orderFor(round, tools)) {
        // Every backup stays until the profile ends: on ext4 without a journal, creating files
        // right after deleting many is several times slower (the inode allocator skips inodes
        // freed in the last minute), which would tax whichever tool ran next.
        const target = path.join(workDir, `${tool}-${round}`);
        fs.mkdirSync(target);
        settleDisk();
        context.log(`${profile}: round ${round}/${rounds}: ${tool} backing up…`);
        const measurement = await backUp(tool, target, cpuProfileDir);
        context.log(`${profile}: ${tool} took ${(measurement.wallMs / 1000).toFixed(1)} s, ${measurement.files} files, peak RSS ${(measurement.maxRssKb / 1024).toFixed(0)} MB`);
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

export function fullBackupVerdict(outcome: ProfileOutcome): Verdict {
  const row = `Full backup, ${outcome.profile}`;
  if (outcome.skipped) return { row, target: `≤ ${FULL_TARGET_RATIO}× idevicebackup2, ${FULL_MIN_ROUNDS}+ rounds`, measured: `skipped: ${outcome.skipped}`, met: undefined };
  return ratioVerdict(row, outcome.measurements, 'idevicebackup2', FULL_TARGET_RATIO, FULL_MIN_ROUNDS);
}
