import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What one backing-up process did, measured from outside (wall) and inside or by time(1) (RSS). */
export interface Measurement {
  readonly tool: 'lifeboat' | 'idevicebackup2';
  /** From spawn to exit: what a person waits for, process start-up included. */
  readonly wallMs: number;
  /** Lifeboat only: runBackup() alone, without Node's start-up. */
  readonly innerMs?: number;
  readonly files: number;
  readonly bytes: number;
  readonly maxRssKb: number;
  /** Which round of the profile this run was (set by the driver). */
  readonly round?: number;
}

interface ExitedProcess {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, keepStdout: boolean): Promise<ExitedProcess> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // idevicebackup2 prints a line per file; piping it into memory would cost the driver, not the tool.
    const child = spawn(command, [...args], { env, cwd, stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.length > 1_000_000) stderr = stderr.slice(-100_000);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - started }));
  });
}

/**
 * A full Lifeboat backup into a fresh root, in a child process (the bundled lifeboat-child, see
 * child-bundle.ts) that reports its own peak RSS.
 */
export async function measureLifeboat(repoRoot: string, childBundle: string, backupRoot: string, udid: string, env: NodeJS.ProcessEnv, cpuProfileDir?: string): Promise<Measurement> {
  const profiling = cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfileDir)];
  const run = await runProcess(process.execPath, [...profiling, '--enable-source-maps', childBundle, backupRoot, udid], env, repoRoot, true);
  if (run.code !== 0) throw new Error(`The Lifeboat backup failed (exit ${run.code}): ${run.stderr.trim().slice(-2000)}`);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { backupMs: number; maxRssKb: number };
  const { files, bytes } = contentTotals(path.join(backupRoot, udid));
  return { tool: 'lifeboat', wallMs: run.wallMs, innerMs: report.backupMs, files, bytes, maxRssKb: report.maxRssKb };
}

/** A full idevicebackup2 backup into a fresh folder, under GNU time for its peak RSS. */
export async function measureIdevicebackup2(timeBinary: string, backupDir: string, udid: string, env: NodeJS.ProcessEnv): Promise<Measurement> {
  const rssFile = path.join(backupDir, '..', `time-${path.basename(backupDir)}.txt`);
  const run = await runProcess(timeBinary, ['-f', '%M', '-o', rssFile, 'idevicebackup2', '-u', udid, 'backup', '--full', backupDir], env, backupDir, false);
  const rss = Number.parseInt(fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '', 10);
  if (run.code !== 0) throw new Error(`idevicebackup2 failed (exit ${run.code}): ${run.stderr.trim().slice(-2000)}`);
  const { files, bytes } = contentTotals(path.join(backupDir, udid));
  return { tool: 'idevicebackup2', wallMs: run.wallMs, files, bytes, maxRssKb: rss };
}

/**
 * Files and bytes under the `xx/` content folders of a backup: the same yardstick for both tools
 * (idevicebackup2 reports no totals a program can read).
 */
export function contentTotals(folder: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const dir of fs.readdirSync(folder)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const name of fs.readdirSync(path.join(folder, dir))) {
      files += 1;
      bytes += fs.statSync(path.join(folder, dir, name)).size;
    }
  }
  return { files, bytes };
}
