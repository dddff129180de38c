import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/main/backup/engine';
import type { CliIoWithStdin } from '../../src/main/cli/commands/backup-command-support';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { pairWithTool } from '../backup/engine-helpers';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { eraseAndPair, expectPhoneEqualsGenerated } from './restore-helpers';

const SEED = 31;

/** `lifeboat restore` in-process against the virtual iPhone. */
describe('lifeboat restore', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: SEED });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
  }, 120_000);

  afterAll(async () => {
    await harness?.cleanup();
  });

  function capture(): { io: CliIoWithStdin; out: () => string; err: () => string } {
    let out = '';
    let err = '';
    return {
      io: { stdout: (text) => (out += text), stderr: (text) => (err += text), env: { ...harness.env, LIFEBOAT_BACKUP_ROOT: root } },
      out: () => out,
      err: () => err,
    };
  }

  it('lists the backups holding an erased phone\'s photos, then restores it with progress', async () => {
    await eraseAndPair(harness, device);
    const candidates = capture();
    expect(await runCli(['restore', '--candidates', '--udid', device.udid], candidates.io)).toBe(ExitCode.ok);
    expect(candidates.out()).toMatch(/0 photos and videos on the iPhone now; it looks freshly erased\./);
    expect(candidates.out()).toContain(path.join(root, device.udid));

    const restore = capture();
    expect(await runCli(['restore', '--udid', device.udid, '--settings', '--no-reboot'], restore.io)).toBe(ExitCode.ok);
    expect(restore.out()).toMatch(/^Restored \d+ files \(.+\) from .+ in .+\.\n$/);
    expect(restore.err()).toMatch(/^0% checking: 0 files/m);
    // Files and bytes sent, never "N of N" nor a total the phone did not give.
    expect(restore.err()).toMatch(/^\d+% restoring: \d+ files, /m);
    expect(restore.err()).not.toMatch(/\d+\/\d+ files| of \d/);
    await expectPhoneEqualsGenerated(harness, device, SEED, 'cli');
  });

  it('says why it stops, with a non-zero exit code and JSON when asked', async () => {
    const missing = capture();
    // No such backup is 11, as the README's table says (it was 1, from a second table of the CLI's own).
    expect(await runCli(['restore', '--udid', device.udid, '--backup', path.join(harness.workDir, 'nowhere'), '--json'], missing.io)).toBe(ExitCode.backupNotFound);
    const lines = missing.out().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ type: 'error', code: 'not-found' });
    device.settings.update({ findMyEnabled: true });
    try {
      const findMy = capture();
      expect(await runCli(['restore', '--udid', device.udid, '--no-reboot'], findMy.io)).toBe(ExitCode.deviceError);
      expect(findMy.err()).toMatch(/Find My iPhone is on\. Turn it off/);
    } finally {
      device.settings.update({ findMyEnabled: false });
    }
  });
});
