import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import type { PasswordIo } from '../../src/main/cli/password-input';
import { encryptedFixture, haveFixtures, missingFixturesNote, mvtFixture, treeFingerprint } from '../backup/fixture-paths';

/** `lifeboat verify` on real backups made by other tools, outside the backup root (read in place). */

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

async function run(args: string[], stdinLines: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: PasswordIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, stdin: Readable.from([stdinLines.map((line) => `${line}\n`).join('')]) };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe.skipIf(!haveFixtures)('lifeboat verify on real backups', () => {
  it('reports the partial mvt backup as damaged (exit 10) and leaves it untouched', async () => {
    const before = treeFingerprint(mvtFixture);
    const result = await run(['verify', mvtFixture, '--backup-root', root]);
    expect(result.code, result.stderr).toBe(ExitCode.backupDamaged);
    expect(result.stdout).toMatch(/Manifest\.plist is missing/);
    expect(result.stdout).toMatch(/files the backup lists are missing/);
    expect(treeFingerprint(mvtFixture)).toBe(before);
    // Looking at a folder outside the root does not add it to the history.
    expect((await run(['backups', '--json', '--backup-root', root])).stdout).toMatch(/"backups": \[\]/);
  });

  it('verifies a folder when the default backup root does not exist yet, with a sentence and no stack trace', async () => {
    // The Linux default root is $XDG_DATA_HOME/Lifeboat/Backup: point it at a folder nobody made.
    const result = await run(['verify', mvtFixture], [], { XDG_DATA_HOME: path.join(root, 'no-data-home-yet') });
    expect(result.code, result.stderr).toBe(ExitCode.backupDamaged);
    expect(result.stdout).toMatch(/Manifest\.plist is missing/);
    expect(result.stderr).not.toMatch(/\n\s+at /);

    // Only `lifeboat backup` makes the root: verify reads the named folder with the history in
    // memory, so even a root that could not be made (a file in the way) does not stop it.
    expect(fs.existsSync(path.join(root, 'no-data-home-yet'))).toBe(false);
    fs.writeFileSync(path.join(root, 'a-file'), '');
    const blocked = await run(['verify', mvtFixture, '--backup-root', path.join(root, 'a-file', 'Backup')]);
    expect(blocked.code, blocked.stderr).toBe(ExitCode.backupDamaged);
    expect(blocked.stderr).not.toMatch(/\n\s+at /);
  });

  it('needs the right password for the encrypted one: a wrong one exits 9', async () => {
    const wrong = await run(['verify', encryptedFixture, '--password-stdin', '--backup-root', root], ['1234']);
    expect(wrong.code, wrong.stderr).toBe(ExitCode.wrongPassword);
    expect(wrong.stderr).toMatch(/password/i);
    expect(wrong.stderr + wrong.stdout).not.toContain('1234');
  });
});

if (!haveFixtures) console.warn(missingFixturesNote);
