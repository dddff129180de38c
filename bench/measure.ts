import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What one backing-up process did, measured from outside (wall) and inside or by time(1) (RSS). */
export interface Measurement {
  readonly tool: MeasuredTool;
  /** From spawn to exit: what a person waits for, process start-up included. */
  readonly wallMs: number;
  /** Lifeboat only: runBackup() alone, without Node's start-up. */
  readonly innerMs?: number;
  readonly files: number;
  readonly bytes: number;
  readonly maxRssKb: number;
  /** Which round of the profile this run was (set by the driver). */
  readonly round?: number;
  /** What this run was, in a row with several kinds (e.g. "no change", "1 % changed"). */
  readonly label?: string;
}

/** Lifeboat and the tools it is measured against (afc-copy: bench/afc-copy.c, libimobiledevice's AFC client). */
export type MeasuredTool = 'lifeboat' | 'idevicebackup2' | 'afc-copy';

/** A Lifeboat job in the bundled child (lifeboat-child.ts). */
export type LifeboatTask = 'backup-full' | 'backup-incremental' | 'restore' | 'photos';

export interface ExitedProcess {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

/**
 * Runs a program to its exit. `stdout`: 'pipe' keeps it in memory, a path writes it to that file,
 * 'ignore' drops it. idevicebackup2 prints a line per file; piping it into memory would cost the
 * driver, not the tool, so its output goes to a file.
 */
export function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, stdout: 'pipe' | 'ignore' | { readonly file: string }): Promise<ExitedProcess> {
  const outFd = typeof stdout === 'object' ? fs.openSync(stdout.file, 'w') : undefined;
  return new Promise<ExitedProcess>((resolve, reject) => {
    const started = performance.now();
    const out: 'pipe' | 'ignore' | number = outFd ?? (stdout === 'pipe' ? 'pipe' : 'ignore');
    const child = spawn(command, [...args], { env, cwd, stdio: ['ignore', out, 'pipe'] });
    let output = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.length > 1_000_000) stderr = stderr.slice(-100_000);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: output, stderr, wallMs: performance.now() - started }));
  }).finally(() => {
    if (outFd !== undefined) fs.closeSync(outFd);
  });
}

/**
 * A Lifeboat job in a child process (the bundled lifeboat-child, see child-bundle.ts) that reports
 * its own time, what it moved and its peak RSS. `folder` is the backup root, or the import folder
 * for `photos`. Files and bytes: for a full backup or a restore the content files of the backup
 * (the same yardstick as idevicebackup2's), else what the job reports it moved.
 */
export async function measureLifeboat(repoRoot: string, childBundle: string, task: LifeboatTask, folder: string, udid: string, env: NodeJS.ProcessEnv, cpuProfileDir?: string): Promise<Measurement> {
  const profiling = cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfileDir)];
  const run = await runProcess(process.execPath, [...profiling, '--enable-source-maps', childBundle, task, folder, udid], env, repoRoot, 'pipe');
  if (run.code !== 0) throw new Error(`The Lifeboat ${task} failed (exit ${run.code}): ${run.stderr.trim().slice(-2000)}`);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { jobMs: number; files: number; bytes: number; maxRssKb: number };
  const totals = task === 'backup-full' || task === 'restore' ? contentTotals(path.join(folder, udid)) : report;
  return { tool: 'lifeboat', wallMs: run.wallMs, innerMs: report.jobMs, files: totals.files, bytes: totals.bytes, maxRssKb: report.maxRssKb };
}

export type Idevicebackup2Job = 'backup-full' | 'backup-incremental' | 'restore';

/**
 * idevicebackup2 under GNU time (for its peak RSS): a backup into `backupDir` (incremental when
 * the folder holds its previous backup), or a restore of the backup there with the options that
 * make it do what Lifeboat's restore does (system files, items the backup lacks removed, no reboot).
 */
export async function measureIdevicebackup2(timeBinary: string, job: Idevicebackup2Job, backupDir: string, udid: string, env: NodeJS.ProcessEnv): Promise<Measurement> {
  const label = `${path.basename(backupDir)}-${job}-${Date.now()}`;
  const rssFile = path.join(backupDir, '..', `time-${label}.txt`);
  const logFile = path.join(backupDir, '..', `idevicebackup2-${label}.log`);
  const command = job === 'restore' ? ['restore', '--system', '--remove', '--no-reboot'] : job === 'backup-full' ? ['backup', '--full'] : ['backup'];
  const run = await runProcess(timeBinary, ['-f', '%M', '-o', rssFile, 'idevicebackup2', '-u', udid, ...command, backupDir], env, backupDir, { file: logFile });
  const rss = Number.parseInt(fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '', 10);
  const log = fs.readFileSync(logFile, 'utf8');
  if (run.code !== 0) throw new Error(`idevicebackup2 ${command.join(' ')} failed (exit ${run.code}): ${run.stderr.trim().slice(-2000)} ${log.slice(-1000)}`);
  if (job === 'restore' && !log.includes('Restore Successful')) throw new Error(`idevicebackup2 restore did not say "Restore Successful": ${log.slice(-1000)}`);
  if (job === 'backup-incremental') {
    // "Received N files from device." is the only count idevicebackup2 prints; bytes it does not say.
    const received = /Received (\d+) files from device/.exec(log);
    return { tool: 'idevicebackup2', wallMs: run.wallMs, files: Number(received?.[1] ?? Number.NaN), bytes: Number.NaN, maxRssKb: rss };
  }
  const { files, bytes } = contentTotals(path.join(backupDir, udid));
  return { tool: 'idevicebackup2', wallMs: run.wallMs, files, bytes, maxRssKb: rss };
}

/** bench/afc-copy (compiled by photos-row.ts) copying the phone's DCIM into `dest`, under GNU time. */
export async function measureAfcCopy(timeBinary: string, afcCopy: string, dest: string, udid: string, env: NodeJS.ProcessEnv): Promise<Measurement> {
  const rssFile = `${dest}.time.txt`;
  const run = await runProcess(timeBinary, ['-f', '%M', '-o', rssFile, afcCopy, udid, '/DCIM', dest], env, path.dirname(dest), 'pipe');
  if (run.code !== 0) throw new Error(`afc-copy failed (exit ${run.code}): ${run.stderr.trim().slice(-2000)}`);
  const copied = /files=(\d+) bytes=(\d+)/.exec(run.stdout);
  const rss = Number.parseInt(fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '', 10);
  return { tool: 'afc-copy', wallMs: run.wallMs, files: Number(copied?.[1] ?? Number.NaN), bytes: Number(copied?.[2] ?? Number.NaN), maxRssKb: rss };
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
