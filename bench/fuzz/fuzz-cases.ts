import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackupError } from '../../src/main/backup/backup-error';
import { PlistShapeError, ReadTimeoutError, StreamClosedError } from '../../src/main/device/codec';
import { DeviceError } from '../../src/main/device/errors';
import { ServiceError } from '../../src/main/device/services';
import { MuxPacketError } from '../../src/main/device/usbmux';
import { DEVICE_FAMILIES, type DeviceFamily, deviceCase, runDeviceCase } from './device-messages';
import { engineCase, plantPreviousBackup, runEngineCase } from './engine-conversations';
import { type FsAccess, watchAccesses } from './escape-guard';
import { readHostileFolder } from './folder-readers';
import { SECRET, SLOW_FOLDER_GENERATORS, writeFolderCase } from './folder-mutations';
import type { FolderSample } from './folder-samples';
import { FuzzRandom } from './fuzz-random';
import { findRepoRoot } from './repo-root';

/**
 * One fuzz case from (family, seed, index) alone, run with a deadline, its memory measured and its
 * file-system reach checked. Shared by `npm run fuzz` (in child processes) and the seeded quick
 * run in `npm test`.
 */
export type Family = DeviceFamily | 'engine' | 'folder';
export const FAMILIES: readonly Family[] = [...DEVICE_FAMILIES, 'engine', 'folder'];

/** ok: parsed; refused: a typed error with a sentence; skipped: not run (see CaseOptions.skip); the rest are findings. */
export type Outcome = 'ok' | 'refused' | 'skipped' | 'crash' | 'escape' | 'timeout' | 'memory';

export interface CaseOptions {
  /** Folder cases: apply only this mutation; engine cases: `planted-link` always starts from a previous backup with a planted link. */
  readonly only?: string;
  /**
   * Generators not to run (the case is reported as skipped): in-process runs must leave out the
   * ones that still hang synchronously, which no deadline inside the same thread can stop.
   */
  readonly skip?: ReadonlySet<string>;
  /** Default CASE_DEADLINE_MS; the quick run in `npm test` allows more, as it only looks for crashes and escapes. */
  readonly deadlineMs?: number;
}

export interface CaseResult {
  readonly family: Family;
  readonly index: number;
  readonly generator: string;
  readonly outcome: Outcome;
  /** For findings: the error or what was reached. */
  readonly detail?: string;
  readonly ms: number;
  /** Highest heap + ArrayBuffer memory seen while it ran, in MB. */
  readonly peakMb: number;
}

export const CASE_DEADLINE_MS = 5_000;
/**
 * After its deadline a case is cancelled (its AbortSignal) and given this long to wind down before
 * its folder is removed: an engine run left going would otherwise keep writing (its whole-file
 * writer's threads) into a folder being deleted, and the removal or the run then failed in the
 * child after the case was reported, which the parent blamed on the next case (engine:2:7).
 */
const ABANDON_GRACE_MS = 3_000;
/**
 * The exit code of a fuzz child whose timed-out case failed after it was reported (an error
 * nothing caught): the parent records it against that case, not against the next one, which never ran.
 */
export const EXIT_ABANDONED_CASE_FAILED = 3;
export const MEMORY_LIMIT_MB = 512;
const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
/**
 * Lifeboat's own code may be read (a thread's module loaded mid-case, say): the repository and its
 * node_modules where they really are (a git worktree may link them from another checkout).
 */
const READ_ROOTS = [REPO_ROOT, fs.realpathSync(path.join(REPO_ROOT, 'node_modules'))];

/** The typed errors of each layer: each carries a sentence for a person (docs/architecture.md "Errors"). */
export function isTypedRefusal(error: unknown): boolean {
  return [BackupError, ServiceError, DeviceError, PlistShapeError, MuxPacketError, StreamClosedError, ReadTimeoutError].some((type) => error instanceof type);
}

export interface CaseWorkspace {
  /** A folder of the fuzzer's own: each case gets `<dir>/case`, and `<dir>/outside` is the sentinel. */
  readonly dir: string;
  readonly samples: readonly FolderSample[];
}

/** Creates the sentinel folder a hostile case would like to reach. */
export function prepareWorkspace(dir: string, samples: readonly FolderSample[]): CaseWorkspace {
  fs.mkdirSync(path.join(dir, 'outside'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'outside', 'secret.txt'), SECRET);
  return { dir, samples };
}

function memoryMb(): number {
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.arrayBuffers) / (1024 * 1024);
}

/** What a case did outside its folder: files added or changed next to it, secrets copied out. */
function sentinelFindings(workspace: CaseWorkspace, caseDir: string): string[] {
  const findings: string[] = [];
  const outside = path.join(workspace.dir, 'outside');
  const names = fs.readdirSync(outside);
  if (names.length !== 1 || names[0] !== 'secret.txt') findings.push(`wrote into the sentinel folder: ${names.join(', ')}`);
  else if (fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8') !== SECRET) findings.push('changed the sentinel file');
  const beside = fs.readdirSync(workspace.dir).filter((name) => name !== 'outside' && name !== path.basename(caseDir));
  if (beside.length > 0) findings.push(`created ${beside.join(', ')} beside its folder`);
  const walk = (dir: string): void => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && fs.statSync(full).size < 1024 * 1024 && fs.readFileSync(full).includes(SECRET)) findings.push(`copied the sentinel's secret into ${path.relative(caseDir, full)}`);
    }
  };
  walk(path.join(caseDir, 'out'));
  return findings;
}

function describeAccesses(accesses: readonly FsAccess[]): string {
  const unique = [...new Set(accesses.map((access) => `${access.operation} ${access.path}`))];
  return `${unique.slice(0, 3).join('; ')}${unique.length > 3 ? ` and ${unique.length - 3} more` : ''}`;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frame = (error.stack ?? '').split('\n').find((line) => line.trim().startsWith('at ')) ?? '';
  return `${error.name}: ${error.message.slice(0, 200)} ${frame.trim()}`;
}

/**
 * The folder mutations that hang a reader that trusts its input (a plist bomb, PBKDF2 counts in the
 * billions, an endless VIEW) come at fixed case numbers, a few per thousand, not at random: each
 * hang costs a deadline and a new process.
 */
export function slowFolderGenerator(index: number): string | undefined {
  if (index % 250 !== 125) return undefined;
  return SLOW_FOLDER_GENERATORS[Math.floor(index / 250) % SLOW_FOLDER_GENERATORS.length];
}

/** Runs case `index` of `family`; never throws. */
export async function runCase(family: Family, seed: number, index: number, workspace: CaseWorkspace, options: CaseOptions = {}): Promise<CaseResult> {
  const random = FuzzRandom.forCase(seed, family, index);
  const caseDir = path.join(workspace.dir, `case-${index}`);
  const outside = path.join(workspace.dir, 'outside');
  let generator = 'unknown';
  let body: (signal: AbortSignal) => Promise<unknown>;
  if (family === 'engine') {
    const testCase = engineCase(random, outside, options.only === 'planted-link' ? { plantedLink: true } : {});
    generator = testCase.generator;
    fs.mkdirSync(caseDir);
    if (testCase.plantedLink) plantPreviousBackup(path.join(caseDir, 'root'), outside);
    body = (signal) => runEngineCase(testCase, path.join(caseDir, 'root'), signal);
  } else if (family === 'folder') {
    const sample = random.pick(workspace.samples);
    fs.mkdirSync(path.join(caseDir, 'out'), { recursive: true });
    const only = options.only ?? slowFolderGenerator(index);
    generator = `${sample.name}:${writeFolderCase(random, sample, path.join(caseDir, 'backup'), outside, path.join(caseDir, 'scratch.db'), only).join('+')}`;
    body = (signal) => readHostileFolder(path.join(caseDir, 'backup'), path.join(caseDir, 'out'), sample.encryption?.password, signal);
  } else {
    const testCase = deviceCase(family, random, index);
    generator = testCase.generator;
    body = () => runDeviceCase(testCase);
  }

  if (options.skip && generator.split(/[:+]/).some((part) => options.skip?.has(part))) {
    fs.rmSync(caseDir, { recursive: true, force: true });
    return { family, index, generator, outcome: 'skipped', ms: 0, peakMb: 0 };
  }

  let peakMb = memoryMb();
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, memoryMb())), 20);
  let timer: NodeJS.Timeout | undefined;
  const deadlineMs = options.deadlineMs ?? CASE_DEADLINE_MS;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
  // Lifeboat's private scratch (the copy of a WAL-mode Manifest.db, store/manifest-db-open.ts) goes
  // to the temp folder: inside the case's folder it is watched like any write, and must be gone after.
  const caseTemp = path.join(caseDir, 'tmp');
  fs.mkdirSync(caseTemp, { recursive: true });
  const temp = process.env['TMPDIR'];
  process.env['TMPDIR'] = caseTemp;
  const started = performance.now();
  const cancel = new AbortController();
  const watched = watchAccesses(caseDir, READ_ROOTS, () => body(cancel.signal));
  const settled = await Promise.race([watched, deadline]);
  const ms = performance.now() - started;
  clearTimeout(timer);
  let stillRunning = false;
  if (settled === 'timeout') {
    cancel.abort();
    let grace: NodeJS.Timeout | undefined;
    stillRunning = (await Promise.race([watched, new Promise<'running'>((resolve) => (grace = setTimeout(() => resolve('running'), ABANDON_GRACE_MS)))])) === 'running';
    clearTimeout(grace);
  }
  if (temp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = temp;
  clearInterval(sampler);
  peakMb = Math.max(peakMb, memoryMb());
  const result = (outcome: Outcome, detail?: string): CaseResult => ({ family, index, generator, outcome, ms, peakMb: Math.round(peakMb), ...(detail ? { detail } : {}) });

  if (settled === 'timeout') {
    // A case still running is left alone (the child exits after a time-out); one that stopped is cleaned up.
    if (!stillRunning) fs.rmSync(caseDir, { recursive: true, force: true, maxRetries: 3 });
    return result('timeout', `no answer within ${deadlineMs / 1000} s${stillRunning ? `, still running ${ABANDON_GRACE_MS / 1000} s after it was cancelled` : ''}`);
  }
  const leftInTemp = fs.readdirSync(caseTemp);
  const escapes = [
    ...(settled.outside.length > 0 ? [`touched ${describeAccesses(settled.outside)}`] : []),
    ...(family === 'engine' || family === 'folder' ? sentinelFindings(workspace, caseDir) : []),
    ...(leftInTemp.length > 0 ? [`left ${leftInTemp.join(', ')} in the temp folder`] : []),
  ];
  fs.rmSync(caseDir, { recursive: true, force: true });
  if (escapes.length > 0) return result('escape', escapes.join('; '));
  if (ms > deadlineMs) return result('timeout', `took ${(ms / 1000).toFixed(1)} s`);
  if (peakMb > MEMORY_LIMIT_MB) return result('memory', `${Math.round(peakMb)} MB`);
  if (settled.result.status === 'fulfilled') return result('ok');
  const error = settled.result.reason;
  return isTypedRefusal(error) ? result('refused') : result('crash', describeError(error));
}
