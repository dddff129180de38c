import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhotoImportResult } from '../../src/main/photos';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import { runTool } from '../helpers/run-tool';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';
import { dcimEntries, expectedRollCounts, filesUnder, pairWithSimulator } from './import-helpers';

/** `lifeboat photos import` against the virtual iPhone. */

let h: SimHarness;
let udid: string;
beforeAll(async () => {
  h = await startSimHarness();
  udid = await pairWithSimulator(h.sim.address);
});
afterAll(async () => {
  await h.cleanup();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: h.env });
  return { code, stdout, stderr };
}

describe('lifeboat photos import', () => {
  it('prints a progress line per file when piped, then a summary (through the bin entry)', async () => {
    const destination = path.join(h.workDir, 'piped');
    const total = dcimEntries(h.sim.device(udid).phone).size;
    const run = await runTool('node', ['bin/lifeboat.mjs', 'photos', 'import', '--to', destination], h.env, 120_000);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    const progressLines = run.stderr.split('\n').filter((line) => /^\[\d+\/\d+\] \d+% of /.test(line));
    expect(run.stderr).toContain(`Found ${total} files: ${total} new to copy`);
    expect(progressLines).toHaveLength(total);
    expect(progressLines.at(-1)).toMatch(new RegExp(`^\\[${total}/${total}\\] 100% `));
    expect(run.stderr.includes('\r') || run.stderr.includes('\u001b')).toBe(false);
    // Photos and videos as a person counts them; the files (Live Photos' videos, edits, sidecars) after.
    const counts = expectedRollCounts(dcimEntries(h.sim.device(udid).phone));
    const what = `${counts.photos} photos (${counts.livePhotos} Live), ${counts.videos} videos, ${counts.companions} edits and sidecars`;
    expect(run.stdout).toMatch(new RegExp(`^Imported ${what.replace(/[()]/g, '\\$&')}: ${total} files \\(.+\\) into ${destination.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
    expect(filesUnder(destination)).toHaveLength(total);
  });

  it('prints the result as JSON with --json, and a second run copies nothing', async () => {
    const destination = path.join(h.workDir, 'json');
    const first = await cli(['photos', 'import', '--to', destination, '--json', '--udid', udid]);
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    const result = JSON.parse(first.stdout) as PhotoImportResult;
    expect(result.imported).toBe(dcimEntries(h.sim.device(udid).phone).size);
    expect(result.failed).toEqual([]);
    expect(result.importedFiles[0]?.destination).toMatch(/^\d{4}\/\d{2}\/IMG_0001\.JPG$/);

    const second = await cli(['photos', 'import', `--to=${destination}`, '--json']);
    expect(second.code).toBe(ExitCode.ok);
    expect(JSON.parse(second.stdout)).toMatchObject({ imported: 0, skipped: result.imported, bytes: 0 });
  });

  it('exits 1 with usage for a missing --to, a missing subcommand or an unknown option', async () => {
    for (const args of [['photos', 'import'], ['photos'], ['photos', 'export', '--to', 'x'], ['photos', 'import', '--to', 'x', '--colour']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(ExitCode.usage);
      expect(result.stderr).toMatch(/Usage:/);
    }
  });

  it('refuses --jpeg-only without --convert-heic with the app\'s own sentence (exit 1), before touching the phone', async () => {
    const destination = path.join(h.workDir, 'jpeg-only-alone');
    const result = await cli(['photos', 'import', '--to', destination, '--jpeg-only']);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(/^lifeboat: Keeping only the JPEGs needs "Convert HEIC to JPEG"/);
    expect(fs.existsSync(destination)).toBe(false);
  });

  it('exits 7 with the error in the JSON result when the phone answers nonsense', async () => {
    const device = h.sim.device(udid);
    device.setFaults({ malformedReplies: 'afc' });
    try {
      const result = await cli(['photos', 'import', '--to', path.join(h.workDir, 'broken'), '--json']);
      expect(result.code).toBe(ExitCode.deviceError);
      expect(JSON.parse(result.stdout)).toMatchObject({ imported: 0, error: { code: 'protocol' } });
      expect(result.stderr).toMatch(/^lifeboat: The iPhone answered in a way Lifeboat does not understand/);
    } finally {
      device.setFaults({ malformedReplies: undefined });
    }
  });

  it('exits 130 and says so when cancelled, keeping nothing half-written', async () => {
    const controller = new AbortController();
    controller.abort();
    let stderr = '';
    const code = await runCli(['photos', 'import', '--to', path.join(h.workDir, 'cancelled')], { stdout: () => undefined, stderr: (text) => (stderr += text), env: h.env }, controller.signal);
    expect(code).toBe(ExitCode.cancelled);
    expect(stderr).toMatch(/cancelled/);
  });
});
