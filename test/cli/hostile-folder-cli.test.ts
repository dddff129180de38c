import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../src/main/backup/catalog';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { HOSTILE_ROOT, writeGoodBackup, writeHostileRoot } from '../backup/hostile-backups';

/**
 * Issue 13's "done when", through the real `lifeboat` command in its own process: the CLI reads
 * backups on its main thread (the app uses a worker with deadlines, src/main/reader), so
 * every read must be bounded by itself: plists by their budget, Manifest.db by its schema check,
 * content paths by the fileID check, key bags by their round limit, metadata files by their type.
 * A backup root holding one folder of each attack beside a good backup: `backups`, `browse`,
 * `verify` and `extract` each end within seconds, in a process with a 256 MB heap, with a sentence
 * and an exit code, and the good backup is still listed.
 */

const GOOD = HOSTILE_ROOT.good;
const HOSTILE = { ...HOSTILE_ROOT, fifo: 'fifo-udid' } as const;
/** Far above what any of these takes; only a hang or a blow-up reaches it. */
const PROCESS_LIMIT_MS = 90_000;

let root: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-hostile-cli-'));
  await writeHostileRoot(root);
  await writeGoodBackup(path.join(root, HOSTILE.fifo), HOSTILE.fifo);
  fs.rmSync(path.join(root, HOSTILE.fifo, 'Manifest.plist'));
  execFileSync('mkfifo', [path.join(root, HOSTILE.fifo, 'Manifest.plist')]);
}, 60_000);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly killed: boolean;
}

/** `lifeboat ARGS` in a child process with a 256 MB heap, `input` on its stdin, killed at PROCESS_LIMIT_MS. */
function lifeboat(args: readonly string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=256', 'bin/lifeboat.mjs', ...args, '--backup-root', root], { env: { ...process.env, LIFEBOAT_BACKUP_ROOT: root } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, PROCESS_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
    child.stdin.end(input);
  });
}

/** One sentence, no stack trace, no raw error class. */
function expectSentence(text: string): void {
  expect(text.trim()).not.toBe('');
  expect(text).not.toMatch(/\n\s+at |SqliteError|RangeError|heap out of memory/);
}

describe.skipIf(process.platform === 'win32')('a backup root with one hostile folder of each kind, through the lifeboat command', () => {
  it('backups lists every hostile folder as damaged with its reason, and the good one as complete', async () => {
    const run = await lifeboat(['backups', '--json']);
    expect(run.killed).toBe(false);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    const listed = new Map((JSON.parse(run.stdout) as { backups: BackupRecord[] }).backups.map((record) => [path.basename(record.path), record]));
    expect(listed.get(GOOD)?.status).toBe('complete');
    const reasons = (udid: string): string => (listed.get(udid)?.problems ?? []).map((problem) => problem.message).join(' ');
    // The 256 MB heap: the old decoder needed 4 GB for this Info.plist and aborted the listing.
    expect(listed.get(HOSTILE.laughs)?.status).toBe('damaged');
    expect(reasons(HOSTILE.laughs)).toMatch(/Info\.plist cannot be read \(it is malformed or too large/);
    expect(reasons(HOSTILE.endless)).toMatch(/holds a view/);
    expect(reasons(HOSTILE.traversal)).toMatch(/not a file ID/);
    expect(reasons(HOSTILE.fifo)).toMatch(/Manifest\.plist cannot be read \(Manifest\.plist is not a regular file\)/);
    // Encrypted: listed without its password; its key bag is read only to unlock it (below).
    expect(listed.get(HOSTILE.rounds)?.encrypted).toBe(true);
  }, PROCESS_LIMIT_MS * 2);

  it('browse, verify and extract end with a sentence and the exit code of a damaged backup', async () => {
    const cases: Array<{ args: string[]; input?: string; code: number; sentence: RegExp }> = [
      { args: ['browse', path.join(root, HOSTILE.endless)], code: ExitCode.backupDamaged, sentence: /holds a view/ },
      { args: ['extract', path.join(root, HOSTILE.traversal), 'AppDomain-com.example.notes', '--to', path.join(root, '..', `${path.basename(root)}-out`)], code: ExitCode.backupDamaged, sentence: /not a file ID/ },
      { args: ['browse', path.join(root, HOSTILE.rounds), '--password-stdin'], input: 'secret\n', code: ExitCode.backupDamaged, sentence: /DPIC asks for 2,147,483,647 rounds of key derivation/ },
      { args: ['verify', path.join(root, HOSTILE.fifo)], code: ExitCode.backupDamaged, sentence: /Manifest\.plist is not a regular file/ },
      // Verify of each of the other attacks: each is named in issue 13's "done when".
      { args: ['verify', path.join(root, HOSTILE.laughs)], code: ExitCode.backupDamaged, sentence: /Info\.plist cannot be read \(it is malformed or too large/ },
      { args: ['verify', path.join(root, HOSTILE.endless)], code: ExitCode.backupDamaged, sentence: /holds a view/ },
      { args: ['verify', path.join(root, HOSTILE.traversal)], code: ExitCode.backupDamaged, sentence: /not a file ID/ },
      { args: ['verify', path.join(root, HOSTILE.rounds), '--password-stdin'], input: 'secret\n', code: ExitCode.backupDamaged, sentence: /DPIC asks for 2,147,483,647 rounds/ },
    ];
    for (const { args, input, code, sentence } of cases) {
      const run = await lifeboat(args, input);
      expect(run.killed, `${args[0]} ${path.basename(args[1] as string)} was killed after ${PROCESS_LIMIT_MS} ms`).toBe(false);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(code);
      const said = `${run.stdout}${run.stderr}`;
      expect(said).toMatch(sentence);
      expectSentence(said);
    }
  }, PROCESS_LIMIT_MS * 5);
});
