import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackupEncryption } from '../../src/main/backup/engine';
import { ExitCode } from '../../src/main/cli/exit-codes';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { pairWithTool } from '../backup/engine-helpers';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { cli, ndjson } from './backup-cli-helpers';

/** `lifeboat encryption on|off|change-password` with --password-stdin, and an encrypted `lifeboat backup`. */

let harness: SimHarness;
let device: VirtualDevice;
let root: string;
const savedKdf = process.env.LIFEBOAT_SIM_KDF_ITERATIONS;

beforeAll(async () => {
  // The phone derives keys with this many PBKDF2 rounds: a real phone's 10 million would take seconds.
  process.env.LIFEBOAT_SIM_KDF_ITERATIONS = '50';
  harness = await startSimHarness({ seed: 29 });
  device = harness.sim.devices()[0] as VirtualDevice;
  root = path.join(harness.workDir, 'backups');
  await pairWithTool(harness);
});

afterAll(async () => {
  if (savedKdf === undefined) delete process.env.LIFEBOAT_SIM_KDF_ITERATIONS;
  else process.env.LIFEBOAT_SIM_KDF_ITERATIONS = savedKdf;
  await harness?.cleanup();
});

const encryptionOn = async (): Promise<boolean> => (await getBackupEncryption({ udid: device.udid, muxAddress: harness.sim.address })).enabled;

describe('lifeboat encryption', () => {
  it('turns encryption on with the password from stdin; status says so; the next backup is encrypted', async () => {
    const on = await cli(harness, ['encryption', 'on', '--password-stdin'], { stdinLines: ['first secret'] });
    expect(on.code, on.stderr).toBe(ExitCode.ok);
    expect(on.stdout).toMatch(/Backup encryption is on/);
    expect(on.stdout + on.stderr).not.toContain('first secret');
    expect(await encryptionOn()).toBe(true);

    const status = await cli(harness, ['encryption', 'status', '--json']);
    expect(ndjson(status.stdout)[0]).toMatchObject({ type: 'result', enabled: true });

    const backup = await cli(harness, ['backup', '--json', '--backup-root', root]);
    expect(backup.code, backup.stderr).toBe(ExitCode.ok);
    expect(ndjson(backup.stdout).at(-1)).toMatchObject({ type: 'result', isEncrypted: true });
  });

  it('leaves the Camera Roll out of an encrypted backup only with the password from stdin', async () => {
    const without = await cli(harness, ['backup', '--camera-roll', 'off', '--backup-root', root]);
    expect(without.code).toBe(ExitCode.wrongPassword);
    expect(without.stderr).toMatch(/password/);

    const withPassword = await cli(harness, ['backup', '--full', '--camera-roll', 'off', '--password-stdin', '--json', '--backup-root', root], { stdinLines: ['first secret'] });
    expect(withPassword.code, withPassword.stderr).toBe(ExitCode.ok);
    const result = ndjson(withPassword.stdout).at(-1) as { cameraRollFilesSkipped: number; isEncrypted: boolean };
    expect(result.isEncrypted).toBe(true);
    expect(result.cameraRollFilesSkipped).toBeGreaterThan(0);
  });

  it('verify of an encrypted backup reads its password from stdin; a wrong one exits 9', async () => {
    const wrong = await cli(harness, ['verify', device.udid, '--password-stdin', '--backup-root', root], { stdinLines: ['not it'] });
    expect(wrong.code, wrong.stderr).toBe(ExitCode.wrongPassword);
    const right = await cli(harness, ['verify', device.udid, '--password-stdin', '--backup-root', root], { stdinLines: ['first secret'] });
    expect(right.code, right.stdout + right.stderr).toBe(ExitCode.ok);
    expect(right.stdout).toMatch(/is complete/);
    const none = await cli(harness, ['verify', device.udid, '--backup-root', root]);
    expect(none.code).toBe(ExitCode.usage);
    expect(none.stderr).toMatch(/--password-stdin/);
  });

  it('change-password reads the old and the new password as two lines; a missing line exits 9 and changes nothing', async () => {
    const missing = await cli(harness, ['encryption', 'change-password', '--password-stdin'], { stdinLines: ['first secret'] });
    expect(missing.code).toBe(ExitCode.wrongPassword);
    expect(missing.stderr).toMatch(/new backup password is missing/);

    const changed = await cli(harness, ['encryption', 'change-password', '--password-stdin'], { stdinLines: ['first secret', 'second secret'] });
    expect(changed.code, changed.stderr).toBe(ExitCode.ok);
    expect(await encryptionOn()).toBe(true);
  });

  it('off with a wrong password exits 9 and keeps encryption on; with the right one turns it off', async () => {
    const wrong = await cli(harness, ['encryption', 'off', '--password-stdin'], { stdinLines: ['first secret'] });
    expect(wrong.code, wrong.stderr).toBe(ExitCode.wrongPassword);
    expect(await encryptionOn()).toBe(true);

    const off = await cli(harness, ['encryption', 'off', '--password-stdin', '--udid', device.udid], { stdinLines: ['second secret'] });
    expect(off.code, off.stderr).toBe(ExitCode.ok);
    expect(await encryptionOn()).toBe(false);
    const status = await cli(harness, ['encryption']);
    expect(status.stdout).toBe('Backup encryption is off.\n');
  });

  it('never takes a password from argv, and without a terminal asks for --password-stdin', async () => {
    const argv = await cli(harness, ['encryption', 'on', '--password', 'visible']);
    expect(argv.code).toBe(ExitCode.usage);
    expect(argv.stderr).toMatch(/never taken on the command line/);
    const noStdin = await cli(harness, ['encryption', 'on']);
    expect(noStdin.code).toBe(ExitCode.usage);
    expect(noStdin.stderr).toMatch(/--password-stdin/);
    expect(await encryptionOn()).toBe(false);
    expect(fs.existsSync(root)).toBe(true);
  });
});
