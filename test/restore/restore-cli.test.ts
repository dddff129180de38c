import { spawn } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup, setBackupEncryption } from '../../src/main/backup/engine';
import type { PasswordIo } from '../../src/main/cli/password-input';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { pairWithTool } from '../backup/engine-helpers';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { digestOf, eraseAndPair, expectPhoneEqualsGenerated } from './restore-helpers';

const SEED = 31;
const PASSWORD = 'correct horse';

/** `lifeboat restore` in-process against the virtual iPhone. */
describe('lifeboat restore', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;
  const savedKdf = process.env.LIFEBOAT_SIM_KDF_ITERATIONS;

  beforeAll(async () => {
    // The phone derives keys with this many PBKDF2 rounds: a real phone's 10 million would take seconds.
    process.env.LIFEBOAT_SIM_KDF_ITERATIONS = '50';
    harness = await startSimHarness({ seed: SEED });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
  }, 120_000);

  afterAll(async () => {
    if (savedKdf === undefined) delete process.env.LIFEBOAT_SIM_KDF_ITERATIONS;
    else process.env.LIFEBOAT_SIM_KDF_ITERATIONS = savedKdf;
    await harness?.cleanup();
  });

  /** The command's output, with `stdinLines` as its standard input and `backupRoot` as LIFEBOAT_BACKUP_ROOT. */
  function capture(stdinLines: readonly string[] = [], backupRoot = root): { io: PasswordIo; out: () => string; err: () => string } {
    let out = '';
    let err = '';
    return {
      io: {
        stdout: (text) => (out += text),
        stderr: (text) => (err += text),
        env: { ...harness.env, LIFEBOAT_BACKUP_ROOT: backupRoot },
        stdin: Readable.from([stdinLines.map((line) => `${line}\n`).join('')]),
      },
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

  // Last: it turns encryption on, which the phone keeps until it is erased again.
  it('restores an encrypted backup with the password from stdin or typed at the terminal\'s hidden prompt; a wrong one exits 9 with one sentence and changes nothing', async () => {
    const encryptedRoot = path.join(harness.workDir, 'encrypted');
    await setBackupEncryption({ udid: device.udid, muxAddress: harness.sim.address, enabled: true, password: PASSWORD });
    const made = await runBackup({ udid: device.udid, backupRoot: encryptedRoot, muxAddress: harness.sim.address });
    expect(made.isEncrypted).toBe(true);
    await eraseAndPair(harness, device);
    const erased = await digestOf(device);

    const wrong = capture(['not the password'], encryptedRoot);
    expect(await runCli(['restore', '--udid', device.udid, '--password-stdin', '--no-reboot'], wrong.io)).toBe(ExitCode.wrongPassword);
    // One sentence after the progress line of the checks: no stack, no second message.
    expect(wrong.err().split('\n').filter((line) => !/^\d+% checking/.test(line))).toEqual(['lifeboat: The password does not open this encrypted backup, so the restore did not start. Nothing was changed on the iPhone.', '']);
    expect(wrong.out()).toBe('');
    expect(await digestOf(device)).toBe(erased);

    // No password and no terminal to ask on: the same exit code, and what to do.
    const none = capture([], encryptedRoot);
    expect(await runCli(['restore', '--udid', device.udid, '--no-reboot', '--json'], none.io)).toBe(ExitCode.wrongPassword);
    expect(JSON.parse(none.out().trimEnd().split('\n').at(-1) as string)).toMatchObject({ type: 'error', code: 'password-required', exitCode: ExitCode.wrongPassword });

    const right = capture([PASSWORD], encryptedRoot);
    expect(await runCli(['restore', '--udid', device.udid, '--password-stdin', '--settings', '--no-reboot'], right.io), right.err()).toBe(ExitCode.ok);
    expect(right.out()).toMatch(/^Restored \d+ files \(.+\) from .+ in .+\.\n$/);
    expect(right.out() + right.err()).not.toContain(PASSWORD);
    await expectPhoneEqualsGenerated(harness, device, SEED, 'cli-encrypted');

    // In a terminal it asks, hidden, and asks again while the password is wrong (script(1) gives the command a pseudo-terminal).
    const typed = await typeIntoTerminal(['node', 'bin/lifeboat.mjs', 'restore', '--udid', device.udid, '--no-reboot'], { ...harness.env, LIFEBOAT_BACKUP_ROOT: encryptedRoot }, [
      [/Password of the encrypted backup to restore: $/, 'not the password'],
      [/That password does not open the backup\. Backup password: $/, PASSWORD],
    ]);
    expect(typed.code, typed.output).toBe(ExitCode.ok);
    expect(typed.output).toMatch(/Restored \d+ files \(.+\) from /);
    expect(typed.output).not.toContain(PASSWORD);
    expect(typed.output).not.toContain('not the password');
  }, 120_000);
});

/**
 * Runs `command` in a pseudo-terminal (util-linux script(1)) and types each answer once the output
 * so far matches its prompt, as a person would: typed earlier, the terminal would echo it before
 * the prompt hides it. Resolves with the exit code and everything the terminal showed.
 */
function typeIntoTerminal(command: readonly string[], env: NodeJS.ProcessEnv, answers: ReadonlyArray<readonly [RegExp, string]>): Promise<{ code: number | null; output: string }> {
  const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qfec', quoted, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let next = 0;
  const onOutput = (data: Buffer): void => {
    output += data.toString('utf8');
    const answer = answers[next];
    if (answer && answer[0].test(output)) {
      next += 1;
      child.stdin.write(`${answer[1]}\r`);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
