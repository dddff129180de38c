import fs from 'node:fs';
import path from 'node:path';
import { type BenchProfile, profilesFor, roundsFor } from './bench-options';
import { backupBytesOf, type BenchContext, orderFor, settleDisk, SLACK_BYTES, startPairedSim, tooLittleDisk } from './bench-context';
import { type Measurement, type MeasuredTool, measureIdevicebackup2, measureLifeboat } from './measure';
import { measurementTable, ratioVerdict, type RowSection, seconds, type Verdict } from './row-report';

/** Issue 16: a full restore at most 1.0× `idevicebackup2 restore`'s time. */
export const RESTORE_TARGET_RATIO = 1.0;

/**
 * Full restores, each tool of its own backup of the same phone, doing the same work: system files
 * included, items the backup lacks removed, no reboot (Lifeboat would wait for the phone to come
 * back, idevicebackup2 would not: that wait is the phone's, not the tool's). Lifeboat's checks
 * before it writes anything (Find My, iOS version, free space) are part of its time.
 */
export async function benchRestores(context: BenchContext): Promise<RowSection> {
  const lines: string[] = ['## Full restore: Lifeboat vs idevicebackup2 restore', ''];
  const verdicts: Verdict[] = [];
  for (const profile of profilesFor(context.options, 'restore')) {
    const result = await benchProfile(context, profile);
    lines.push(...result.lines, '');
    verdicts.push(result.verdict);
  }
  return { markdown: lines.join('\n'), verdicts };
}

async function benchProfile(context: BenchContext, profile: BenchProfile): Promise<{ lines: string[]; verdict: Verdict }> {
  const { tools } = context.options;
  const row = `Full restore, ${profile}`;
  const target = `≤ ${RESTORE_TARGET_RATIO.toFixed(1)}× idevicebackup2 restore`;
  // Each tool's backup, plus what the phone writes back into its state folder per restore.
  const noRoom = tooLittleDisk(context, (tools.length + 1) * backupBytesOf(profile) * 1.1 + SLACK_BYTES, `a backup of ${profile} per tool and the phone's copy`);
  if (noRoom !== undefined) return { lines: [`${profile}: skipped: ${noRoom}.`], verdict: { row, target, measured: `skipped: ${noRoom}`, met: undefined } };
  const time = context.timeBinary;
  if (tools.includes('idevicebackup2') && time === undefined) {
    return { lines: [`${profile}: skipped: /usr/bin/time is missing.`], verdict: { row, target, measured: 'skipped: /usr/bin/time is missing', met: undefined } };
  }
  const rounds = roundsFor(context.options, 'restore');
  const childBundle = await context.bundle('lifeboat-child');
  const workDir = fs.mkdtempSync(path.join(context.scratch, `lifeboat-bench-restore-${profile}-`));
  try {
    const { sim, env } = await startPairedSim(context, workDir, profile);
    const folderOf = (tool: string): string => path.join(workDir, tool);
    const measurements: Measurement[] = [];
    try {
      for (const tool of [...tools].reverse()) {
        context.log(`restore ${profile}: backup by ${tool} to restore from (not measured)…`);
        fs.mkdirSync(folderOf(tool));
        if (tool === 'lifeboat') await measureLifeboat(context.repoRoot, childBundle, 'backup-full', folderOf(tool), sim.udid, env);
        else await measureIdevicebackup2(time as string, 'backup-full', folderOf(tool), sim.udid, env);
      }
      // cpuProfileDir only for timed restores: a profile of the untimed warm-up would be mistaken for a round's.
      const restoreBy = async (tool: MeasuredTool, cpuProfileDir: string | undefined): Promise<Measurement> => {
        // The phone frees the previous restore's replaced files in the background; each restore starts once it has.
        await sim.command('settle', /^settled$/);
        settleDisk();
        return tool === 'lifeboat'
          ? measureLifeboat(context.repoRoot, childBundle, 'restore', folderOf(tool), sim.udid, env, cpuProfileDir)
          : measureIdevicebackup2(time as string, 'restore', folderOf(tool), sim.udid, env);
      };
      // The first restore onto a phone is cheaper for it (no earlier restore's files to replace), and round 1
      // always starts with the same tool: an untimed restore by each first, so every timed one meets the same phone.
      for (const tool of [...tools].reverse()) {
        context.log(`restore ${profile}: warm-up restore by ${tool} (not measured)…`);
        await restoreBy(tool, undefined);
      }
      for (let round = 1; round <= rounds; round += 1) {
        for (const tool of orderFor(round, tools)) {
          context.log(`restore ${profile}: round ${round}/${rounds}: ${tool} restoring…`);
          const measurement = await restoreBy(tool, context.options.cpuProfileDir);
          context.log(`restore ${profile}: ${tool} took ${seconds(measurement.wallMs)}`);
          measurements.push({ ...measurement, round });
        }
      }
    } finally {
      await sim.stop();
    }
    const lines = [
      `### ${profile}`,
      '',
      ...measurementTable('Restore', measurements),
      '',
      'Files and bytes: the content files of the backup each tool restored. Options: Lifeboat `systemFiles`, `removeItemsNotRestored`, no reboot;',
      '`idevicebackup2 restore --system --remove --no-reboot`.',
    ];
    return { lines, verdict: ratioVerdict(row, measurements, 'idevicebackup2', RESTORE_TARGET_RATIO) };
  } finally {
    context.log(`restore ${profile}: removing its backups…`);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
