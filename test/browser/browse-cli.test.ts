import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/main';
import type { CliIoWithStdin } from '../../src/main/cli/commands/backup-command-support';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { encryptedFixture, haveFixtures, mvtFixture } from '../backup/fixture-paths';

interface Captured {
  readonly io: CliIoWithStdin;
  readonly out: () => string;
  readonly err: () => string;
  readonly stdinReads: () => number;
}

function capture(stdin?: string): Captured {
  let out = '';
  let err = '';
  let reads = 0;
  return {
    io: {
      stdout: (text) => (out += text),
      stderr: (text) => (err += text),
      env: { ...process.env, LIFEBOAT_BACKUP_ROOT: path.join(os.tmpdir(), 'lifeboat-no-such-root') },
      readStdin: async () => {
        reads += 1;
        return stdin ?? '';
      },
    },
    out: () => out,
    err: () => err,
    stdinReads: () => reads,
  };
}

/** `lifeboat browse` / `lifeboat extract` on the shared fixtures, in-process. */
describe.skipIf(!haveFixtures)('lifeboat browse and extract', () => {
  let work: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('browses and searches the encrypted fixture with the password from stdin, and extracts Test.txt', async () => {
    const summary = capture('0000\n');
    expect(await runCli(['browse', encryptedFixture, '--password-stdin'], summary.io)).toBe(ExitCode.ok);
    expect(summary.stdinReads()).toBe(1);
    expect(summary.out()).toMatch(/iOS 10\.3/);
    expect(summary.out()).toMatch(/MyTestDomain {2}1 file {2}9 bytes/);

    const search = capture('0000\n');
    expect(await runCli(['browse', encryptedFixture, '--search', 'test.txt', '--password-stdin', '--json'], search.io)).toBe(ExitCode.ok);
    const hits = JSON.parse(search.out()) as { hits: Array<{ domain: string; path: string; size: number; modified: string }> };
    expect(hits.hits).toEqual([expect.objectContaining({ domain: 'MyTestDomain', path: 'Media/Test.txt', size: 9, modified: new Date(1628082463 * 1000).toISOString() })]);
    expect(search.out()).not.toContain('encryptionKey');

    const extract = capture('0000\n');
    const to = path.join(work, 'out');
    expect(await runCli(['extract', encryptedFixture, 'MyTestDomain/Media/Test.txt', '--to', to, '--password-stdin'], extract.io)).toBe(ExitCode.ok);
    expect(fs.readFileSync(path.join(to, 'Test.txt'), 'utf8')).toBe('Test data');
  }, 60_000);

  it('refuses a wrong password with a sentence and the wrong-password exit code (9), as the README lists', async () => {
    const wrong = capture('1234\n');
    expect(await runCli(['browse', encryptedFixture, '--password-stdin'], wrong.io)).toBe(ExitCode.wrongPassword);
    expect(wrong.err()).toMatch(/password is not correct/);
    const none = capture();
    expect(await runCli(['browse', encryptedFixture], none.io)).toBe(ExitCode.wrongPassword);
    expect(none.err()).toMatch(/encrypted: enter its password/);
  }, 60_000);

  it('reports the partial mvt backup as incomplete and lists a folder of it', async () => {
    const summary = capture();
    expect(await runCli(['browse', mvtFixture], summary.io)).toBe(ExitCode.ok);
    expect(summary.out()).toMatch(/Incomplete: \d+ of \d+ files are not in the folder/);
    expect(summary.out()).toMatch(/Manifest\.plist is missing/);
    const listing = capture();
    expect(await runCli(['browse', mvtFixture, 'HomeDomain/Library/SMS'], listing.io)).toBe(ExitCode.ok);
    expect(listing.out()).toContain('HomeDomain/Library/SMS/sms.db');
    const extract = capture();
    expect(await runCli(['extract', mvtFixture, 'HomeDomain/Library/Preferences', '--to', path.join(work, 'prefs')], extract.io)).toBe(ExitCode.deviceError);
    expect(extract.err()).toMatch(/is listed in the backup but its content is not in the folder/);
    expect(fs.existsSync(path.join(work, 'prefs', 'Preferences', '.GlobalPreferences.plist'))).toBe(true);
  });
});
