import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleThreadModules } from '../../scripts/thread-bundles';
import type { ChildTask } from './fuzz-child';
import { CASE_DEADLINE_MS, type CaseResult, EXIT_ABANDONED_CASE_FAILED, type Family, FAMILIES, MEMORY_LIMIT_MB } from './fuzz-cases';
import { FUZZ_HEADER } from './fuzz-header';
import { FuzzTally } from './fuzz-report';
import { findRepoRoot } from './repo-root';

/**
 * `npm run fuzz`: the full run. Cases go to child processes (each with --max-old-space-size), in
 * chunks; a child that goes quiet for longer than a case's deadline is killed and its case recorded
 * as a time-out, one that dies is recorded as a memory finding or a crash, and a new child carries
 * on after that case. Writes bench/FUZZ.md.
 *
 *   npm run fuzz [-- --seed N --device N --engine N --folders N --processes N --minutes M --out FILE]
 * `--minutes M` starts no new chunk after M minutes (the report counts the cases that ran, so a
 * run on a busy machine still ends with an honest report); `--out` writes elsewhere than
 * bench/FUZZ.md (to run parts side by side).
 *   npm run fuzz -- --replay family:seed:index      (one case, in this process, with its details)
 */
const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const DEVICE_PARSER_FAMILIES: readonly Family[] = ['usbmux', 'lockdown', 'device-link', 'afc'];
/** A child that says nothing for this long is stuck in synchronous code. */
const QUIET_LIMIT_MS = CASE_DEADLINE_MS + 5_000;
/** Loading the bundle and building the folder samples, on a busy machine. */
const START_LIMIT_MS = 30_000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function bundleChild(): Promise<string> {
  // One folder per run, so runs side by side (parts of a long run) never load each other's half-written file.
  const outdir = path.join(REPO_ROOT, 'dist', 'fuzz', String(process.pid));
  const outfile = path.join(outdir, 'fuzz-child.mjs');
  const common = { absWorkingDir: REPO_ROOT, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' } as const;
  await build({ ...common, entryPoints: [path.join(REPO_ROOT, 'bench', 'fuzz', 'fuzz-child.ts')], outfile });
  // The thread modules (the engine's upload writer, the reader) beside the bundle, where
  // store/module-worker.ts looks for them in a bundle: without them every engine case crashed.
  await bundleThreadModules(REPO_ROOT, outdir);
  return outfile;
}

interface Chunk {
  readonly family: Family;
  readonly from: number;
  readonly to: number;
}

function chunks(family: Family, count: number, size: number): Chunk[] {
  const list: Chunk[] = [];
  for (let from = 0; from < count; from += size) list.push({ family, from, to: Math.min(count, from + size) });
  return list;
}

/** Runs one chunk in a child; resolves with the chunk still to do when the child stopped early. */
function runChunk(childFile: string, seed: number, chunk: Chunk, onResult: (result: CaseResult) => void): Promise<Chunk | undefined> {
  return new Promise((resolve) => {
    const task: ChildTask = { family: chunk.family, seed, from: chunk.from, to: chunk.to };
    const child = fork(childFile, [JSON.stringify(task)], { execArgv: [`--max-old-space-size=${MEMORY_LIMIT_MB}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let next = chunk.from;
    let stderr = '';
    let killedQuiet = false;
    let lastHeard = Date.now();
    let limit = START_LIMIT_MS;
    child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
    child.on('message', (result: CaseResult) => {
      onResult(result);
      next = result.index + 1;
      lastHeard = Date.now();
      limit = QUIET_LIMIT_MS;
    });
    const watchdog = setInterval(() => {
      if (Date.now() - lastHeard > limit) {
        killedQuiet = true;
        child.kill('SIGKILL');
      }
    }, 1000);
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (code === EXIT_ABANDONED_CASE_FAILED) {
        // The timed-out case (already reported) failed later with an error nothing caught: a crash of its own.
        onResult({ family: chunk.family, index: next - 1, generator: 'after its time-out', outcome: 'crash', detail: `failed after it was cancelled: ${stderr.trim().split('\n').slice(0, 2).join(' ')}`, ms: 0, peakMb: 0 });
      }
      if (next >= chunk.to) return resolve(undefined);
      const stoppedOnTimeout = (code === 0 || code === EXIT_ABANDONED_CASE_FAILED) && !killedQuiet;
      if (!stoppedOnTimeout) {
        // The case after the last one reported is the one that took the process down.
        const outOfMemory = /heap out of memory|Allocation failed|ERR_WORKER_OUT_OF_MEMORY/.test(stderr);
        const outcome = killedQuiet ? 'timeout' : outOfMemory ? 'memory' : 'crash';
        const detail = killedQuiet ? `no answer for ${QUIET_LIMIT_MS / 1000} s (synchronous), process killed` : outOfMemory ? `the process ran out of its ${MEMORY_LIMIT_MB} MB heap` : `the process died (exit ${code ?? signal}): ${stderr.trim().split('\n').slice(-3).join(' ')}`;
        onResult({ family: chunk.family, index: next, generator: 'unknown (process lost)', outcome, detail, ms: Date.now() - lastHeard, peakMb: outOfMemory ? MEMORY_LIMIT_MB : 0 });
        next += 1;
      }
      resolve(next < chunk.to ? { ...chunk, from: next } : undefined);
    });
  });
}

async function replay(spec: string): Promise<void> {
  const [family, seed, index] = spec.split(':');
  const { installEscapeGuard } = await import('./escape-guard');
  const { prepareWorkspace, runCase } = await import('./fuzz-cases');
  const { buildFolderSamples } = await import('./folder-samples');
  const samples = family === 'folder' ? buildFolderSamples() : [];
  installEscapeGuard();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fuzz-replay-'));
  console.log(await runCase(family as Family, Number(seed), Number(index), prepareWorkspace(dir, samples)));
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const replayAt = process.argv.indexOf('--replay');
  if (replayAt >= 0) return replay(process.argv[replayAt + 1] ?? '');
  const seed = option('seed', 1);
  const deviceMessages = option('device', 100_000);
  const planned: Record<Family, number> = { usbmux: 0, lockdown: 0, 'device-link': 0, afc: 0, engine: option('engine', 600), folder: option('folders', 10_000) };
  for (const family of DEVICE_PARSER_FAMILIES) planned[family] = Math.ceil(deviceMessages / DEVICE_PARSER_FAMILIES.length);
  const processes = option('processes', 2);
  const outAt = process.argv.indexOf('--out');
  const output = outAt >= 0 ? path.resolve(process.argv[outAt + 1] ?? '') : path.join(REPO_ROOT, 'bench', 'FUZZ.md');
  const stopQueueingAt = Date.now() + option('minutes', Number.POSITIVE_INFINITY) * 60_000;
  const startedAt = new Date();
  // The commit the child is bundled from, read now: the tree may move on during a long run.
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const childFile = await bundleChild();
  const tally = new FuzzTally();
  let done = 0;
  const total = FAMILIES.reduce((sum, family) => sum + planned[family], 0);
  const queue: Chunk[] = [
    ...chunks('folder', planned.folder, 100),
    ...chunks('engine', planned.engine, 50),
    ...DEVICE_PARSER_FAMILIES.flatMap((family) => chunks(family, planned[family], 2_500)),
  ];
  const onResult = (result: CaseResult): void => {
    tally.record(result);
    done += 1;
    if (done % 1000 === 0) console.log(`${done}/${total} cases, ${tally.findingCount()} findings, ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`);
  };
  await Promise.all(
    Array.from({ length: processes }, async () => {
      for (let chunk = queue.shift(); chunk && Date.now() < stopQueueingAt; chunk = queue.shift()) {
        let rest: Chunk | undefined = chunk;
        while (rest) rest = await runChunk(childFile, seed, rest, onResult);
      }
    }),
  );
  const report = tally.markdown({ seed, planned, processes, startedAt, wallSeconds: (Date.now() - startedAt.getTime()) / 1000, commit, loadAverage: os.loadavg() });
  fs.writeFileSync(output, `${FUZZ_HEADER}\n${report}`);
  console.log(`${done} cases, ${tally.findingCount()} findings: ${path.relative(REPO_ROOT, output)}`);
}

await main();
