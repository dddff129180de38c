import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROFILE_SPECS } from '../src/simulator/phone/profiles';
import { roundsFor } from './bench-options';
import { type BenchContext, orderFor, settleDisk, SLACK_BYTES, startPairedSim, tooLittleDisk } from './bench-context';
import { type Measurement, measureAfcCopy, measureLifeboat } from './measure';
import { measurementTable, ratioVerdict, type RowSection, seconds } from './row-report';

/** The phone the photo row starts from: few other files, so the simulator starts fast. */
const BASE_PROFILE = 'many-small';
/** A real camera's photo sizes (the large profile's), so the row moves gigabytes as a real roll would. */
const PHOTO_BYTES: readonly [number, number] = [1_500_000, 4_000_000];

/**
 * Compiles bench/afc-copy.c against libimobiledevice's AFC client: Debian's
 * libimobiledevice-utils 1.3.0 has no AFC copier (no afcclient) and ifuse is not installed.
 * Returns the program, or a sentence saying why it cannot be built here.
 */
function buildAfcCopy(repoRoot: string): { program: string } | { problem: string } {
  const program = path.join(repoRoot, 'dist', 'bench', 'afc-copy');
  fs.mkdirSync(path.dirname(program), { recursive: true });
  try {
    execFileSync('gcc', ['-O2', '-o', program, path.join(repoRoot, 'bench', 'afc-copy.c'), '-l:libimobiledevice-1.0.so.6'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { program };
  } catch (error) {
    return { problem: `afc-copy could not be built (gcc and libimobiledevice6 are needed): ${(error as Error).message.split('\n')[0] ?? ''}` };
  }
}

/**
 * Photo import of a Camera Roll of `--photos` photos (issue 16: 5,000): Lifeboat's import over AFC
 * (`lifeboat photos import`: YYYY/MM folders, dates kept, an index, partial files under a
 * temporary name) against afc-copy, a plain copy of the same DCIM tree with libimobiledevice's own
 * AFC client (same relative paths, modification times kept, nothing else). Issue 16 sets no
 * target for this row; it is reported. Each copy is deleted once counted, before the next run:
 * 5,000 photos of 1.5–4 MB are about 13 GB per copy.
 */
export async function benchPhotoImport(context: BenchContext): Promise<RowSection> {
  const wanted = context.options.photos;
  const row = `Photo import, ${wanted} photos`;
  const heading = `## Photo import of a ${wanted}-photo Camera Roll: Lifeboat vs afc-copy (libimobiledevice's AFC client)`;
  const base = PROFILE_SPECS[BASE_PROFILE];
  const added = Math.max(0, wanted - base.photos);
  const copyBytes = added * PHOTO_BYTES[1] * 1.05;
  const tools = context.options.tools.map((tool) => (tool === 'idevicebackup2' ? 'afc-copy' : tool));
  const skipped = (why: string): RowSection => ({ markdown: [heading, '', `Skipped: ${why}.`].join('\n'), verdicts: [{ row, target: 'none in issue 16 (reported)', measured: `skipped: ${why}`, met: undefined }] });
  const noRoom = tooLittleDisk(context, 2 * copyBytes + SLACK_BYTES, 'a copy of the Camera Roll and the phone\'s own');
  if (noRoom !== undefined) return skipped(noRoom);
  if (context.timeBinary === undefined) return skipped('/usr/bin/time is missing');
  const afcCopy = tools.includes('afc-copy') ? buildAfcCopy(context.repoRoot) : undefined;
  if (afcCopy !== undefined && 'problem' in afcCopy) return skipped(afcCopy.problem);
  const rounds = roundsFor(context.options, 'photos');
  const childBundle = await context.bundle('lifeboat-child');
  const workDir = fs.mkdtempSync(path.join(context.scratch, 'lifeboat-bench-photos-'));
  const measurements: Measurement[] = [];
  try {
    const { sim, env } = await startPairedSim(context, workDir, BASE_PROFILE);
    const copyOnce = async (tool: string, name: string): Promise<Measurement> => {
      const dest = path.join(workDir, `${tool}-${name}`);
      try {
        if (tool === 'lifeboat') return await measureLifeboat(context.repoRoot, childBundle, 'photos', dest, sim.udid, env, context.options.cpuProfileDir);
        return await measureAfcCopy(context.timeBinary as string, (afcCopy as { program: string }).program, dest, sim.udid, env);
      } finally {
        fs.rmSync(dest, { recursive: true, force: true });
      }
    };
    try {
      const change = `change add-photos=${added} photo-bytes=${PHOTO_BYTES[0]}-${PHOTO_BYTES[1]} seed=1`;
      context.log(`photos: growing the Camera Roll: ${change}…`);
      if (added > 0) await sim.command(change, /: changed /, /^change failed/);
      // An untimed copy by each tool first: the phone builds its content cache on the first read.
      for (const tool of [...tools].reverse()) {
        context.log(`photos: warm-up copy by ${tool} (not measured)…`);
        await copyOnce(tool, 'warm-up');
      }
      for (let round = 1; round <= rounds; round += 1) {
        for (const tool of orderFor(round, tools)) {
          settleDisk();
          context.log(`photos: round ${round}/${rounds}: ${tool} importing…`);
          const measurement = await copyOnce(tool, String(round));
          context.log(`photos: ${tool} took ${seconds(measurement.wallMs)}, ${measurement.files} files`);
          measurements.push({ ...measurement, round });
        }
      }
    } finally {
      await sim.stop();
    }
  } finally {
    context.log('photos: removing the copies…');
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  const ratio = ratioVerdict(row, measurements, 'afc-copy', Number.POSITIVE_INFINITY);
  const markdown = [
    heading,
    '',
    `The \`${BASE_PROFILE}\` phone with ${added} photos of ${PHOTO_BYTES[0] / 1e6}–${PHOTO_BYTES[1] / 1e6} MB added (the simulator's \`change\` command), ${base.photos + added} photos and ${base.screenshots} screenshots in all.`,
    'afc-copy is bench/afc-copy.c, compiled with gcc against libimobiledevice-1.0.so.6: Debian\'s libimobiledevice-utils 1.3.0 has no AFC copier',
    '(no `afcclient`) and `ifuse` is not installed. It walks DCIM and copies each file in 1 MiB reads, keeping the modification time; Lifeboat',
    'also sorts into YYYY/MM, writes under a temporary name and keeps its index, and that is charged to it. Files and bytes: what each reports it copied.',
    '',
    ...measurementTable('Import', measurements),
    '',
    `Lifeboat ÷ afc-copy (no target in issue 16, reported): ${ratio.measured}.`,
  ];
  return { markdown: markdown.join('\n'), verdicts: [] };
}
