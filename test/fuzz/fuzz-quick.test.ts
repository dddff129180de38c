import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installEscapeGuard } from '../../bench/fuzz/escape-guard';
import { type CaseResult, type CaseWorkspace, type Family, prepareWorkspace, runCase } from '../../bench/fuzz/fuzz-cases';
import { buildFolderSamples } from '../../bench/fuzz/folder-samples';

/**
 * The seeded quick run of `npm run fuzz` (bench/FUZZ.md): a few hundred hostile device messages,
 * a few engine conversations and hostile backup folders, including each named generator aimed at
 * a known hole of issue 13 (no generator is skipped: damaged databases and hostile schemas end
 * in a BackupError with a sentence too). Any crash, escape, time-out or memory blow-up fails the test with the
 * command that replays it.
 */
const SEED = 20_261_202;
/** Generous: this run looks for crashes and escapes on a busy machine; `npm run fuzz` measures time. */
const DEADLINE_MS = 30_000;
let workspace: CaseWorkspace;
beforeAll(() => {
  const samples = buildFolderSamples();
  installEscapeGuard();
  workspace = prepareWorkspace(fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fuzz-quick-')), samples);
});
afterAll(() => {
  fs.rmSync(workspace.dir, { recursive: true, force: true });
});

async function findings(family: Family, indexes: readonly number[], only?: string): Promise<string[]> {
  const problems: string[] = [];
  for (const index of indexes) {
    const result: CaseResult = await runCase(family, SEED, index, workspace, { deadlineMs: DEADLINE_MS, ...(only ? { only } : {}) });
    if (!['ok', 'refused', 'skipped'].includes(result.outcome)) {
      problems.push(`${result.outcome} (${result.generator}): ${result.detail ?? ''} — replay: npm run fuzz -- --replay ${family}:${SEED}:${index}`);
    }
  }
  return problems;
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_unused, offset) => from + offset);

describe('fuzzing, the quick seeded run', () => {
  // Cases 17 and 18 of each parser family are the billion-laughs and the cyclic plist.
  it.each(['usbmux', 'lockdown', 'device-link', 'afc'] as const)('%s messages are read or refused with a sentence', async (family) => {
    expect(await findings(family, range(0, 150))).toEqual([]);
  });

  it('a scripted phone cannot crash the engine or write outside its backup folder', async () => {
    expect(await findings('engine', range(0, 4))).toEqual([]);
  });

  // A link planted in the previous backup (staging starts empty, so only that backup has it):
  // before ConfinedPaths looked behind staging, uploads, folders and removals below it reached the sentinel.
  it('a scripted phone cannot reach outside through a link planted in the previous backup', async () => {
    expect(await findings('engine', range(0, 6), 'planted-link')).toEqual([]);
  });

  it('a case past its deadline is cancelled and wound down before its folder is removed', async () => {
    const result = await runCase('engine', SEED, 0, workspace, { deadlineMs: 1, only: 'planted-link' });
    expect(result.outcome).toBe('timeout');
    expect(fs.readdirSync(workspace.dir).sort()).toEqual(['outside']);
  });

  it('hostile backup folders are read or refused, and nothing outside them is touched', async () => {
    expect(await findings('folder', range(0, 24))).toEqual([]);
  });

  it.each(['billion-laughs-bplist', 'cyclic-bplist', 'huge-iterations', 'traversing-file-id', 'planted-links', 'content-files'])(
    'the named folder generator %s finds nothing',
    async (generator) => {
      expect(await findings('folder', range(1000, 3), generator)).toEqual([]);
    },
  );

  // The full run's crashes (bench/FUZZ.md): with this seed, hostile-schema 1000, 1002, 1003 and 1005
  // drew a Files table without its columns and db-bytes 1007 a page SQLite finds damaged mid-scan,
  // each a raw SqliteError before the readers said it with a sentence.
  it.each([
    ['hostile-schema', 6],
    ['db-bytes', 8],
  ] as const)('the named folder generator %s finds nothing', async (generator, cases) => {
    expect(await findings('folder', range(1000, cases), generator)).toEqual([]);
  });
});
