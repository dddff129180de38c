import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installEscapeGuard } from './escape-guard';
import { type Family, prepareWorkspace, runCase } from './fuzz-cases';
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
  try {
    for (let index = task.from; index < task.to; index += 1) {
      const result = await runCase(task.family, task.seed, index, workspace);
      await new Promise<void>((resolve) => process.send?.(result, () => resolve()));
      if (result.outcome === 'timeout') break;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.disconnect?.();
  process.exit(0);
}

void main();
