import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installEscapeGuard } from './escape-guard';
import { EXIT_ABANDONED_CASE_FAILED, type Family, prepareWorkspace, runCase } from './fuzz-cases';
import { buildFolderSamples } from './folder-samples';

/**
 * One fuzz child process (started by run-fuzz.ts with --max-old-space-size): runs cases
 * [from, to) of one family and reports each result over IPC as it finishes, so when a case kills
 * or hangs the process the parent knows it was the next one. After a case that timed out it
 * exits: whatever that case left running (a PBKDF2 on the thread pool) must not slow the rest.
 */
export interface ChildTask {
  readonly family: Family;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
  const samples = task.family === 'folder' ? buildFolderSamples() : [];
  installEscapeGuard();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fuzz-'));
  const workspace = prepareWorkspace(dir, samples);
  let abandoned: number | undefined;
  const afterTimeout = (error: unknown): void => {
    if (abandoned === undefined) throw error;
    process.stderr.write(`case ${abandoned} failed after its time-out: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_ABANDONED_CASE_FAILED);
  };
  process.on('unhandledRejection', afterTimeout);
  try {
    for (let index = task.from; index < task.to; index += 1) {
      const result = await runCase(task.family, task.seed, index, workspace);
      if (result.outcome === 'timeout') abandoned = index;
      await new Promise<void>((resolve) => process.send?.(result, () => resolve()));
      if (result.outcome === 'timeout') break;
    }
  } finally {
    removeWorkspace(dir);
  }
  process.disconnect?.();
  process.exit(0);
}

/**
 * The fuzzer's own housekeeping: a case still running after its time-out may be writing into the
 * folder meanwhile (ENOTEMPTY), and that is not a finding about the next case; a folder that
 * cannot be removed is said and left in the temp folder.
 */
function removeWorkspace(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (error) {
    process.stderr.write(`could not remove the fuzz workspace ${dir}: ${(error as Error).message}\n`);
  }
}

void main();
