import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/main/core/app-core';
import type { BackupRunOptions, Backends } from '../../src/main/core/backends';
import { type BackupView, describeAppError, type JobFinished } from '../../src/shared/contract';
import { listedCatalog } from '../helpers/listed-catalog';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/** Backends that record what each backup was asked to keep (the engine's retention is tested in test/backup). */
function recordingBackends(runs: BackupRunOptions[]): Backends {
  const backups: BackupView[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not used here');
  };
  return {
    backup: {
      async runBackup(options) {
        runs.push(options);
        return { backupPath: path.join(options.backupRoot, options.udid) };
      },
      getEncryption: async () => false,
      setEncryption: unused,
      changePassword: unused,
    },
    openCatalog: async () => listedCatalog(backups),
  };
}

describe('retention settings: the recent backups and the monthly ones', () => {
  let harness: SimHarness;
  let core: AppCore;
  let udid: string;
  let settingsPath: string;
  const runs: BackupRunOptions[] = [];

  beforeAll(async () => {
    harness = await startSimHarness();
    settingsPath = path.join(harness.workDir, 'settings.json');
    // A settings file from before the monthly count was a setting.
    fs.writeFileSync(settingsPath, JSON.stringify({ backupRoot: path.join(harness.workDir, 'b'), retention: { keepLast: 4 } }));
    ({ core, udid } = await startPairedAppCore(harness, { backupRoot: path.join(harness.workDir, 'b'), settingsPath, backends: recordingBackends(runs) }));
  });

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  async function backUp(): Promise<BackupRunOptions> {
    const finished = new Promise<JobFinished>((resolve) => {
      const off = core.on('job:finished', (event) => {
        off();
        resolve(event);
      });
    });
    await core.invoke('backup:start', { udid });
    expect(await finished).toMatchObject({ outcome: 'succeeded' });
    return runs.at(-1)!;
  }

  it('an older settings file keeps a year of monthly backups, and a backup is asked to keep them', async () => {
    expect((await core.invoke('settings:get', {})).retention).toEqual({ keepLast: 4, keepMonthly: 12 });
    expect((await backUp()).retention).toEqual({ keepLast: 4, keepMonthly: 12 });
  });

  it('the monthly count is a setting of its own, kept when only the recent count changes', async () => {
    expect((await core.invoke('settings:set', { retention: { keepLast: 3, keepMonthly: 0 } })).retention).toEqual({ keepLast: 3, keepMonthly: 0 });
    expect((await core.invoke('settings:set', { retention: { keepLast: 5 } })).retention).toEqual({ keepLast: 5, keepMonthly: 0 });
    expect((await backUp()).retention).toEqual({ keepLast: 5, keepMonthly: 0 });
    expect(JSON.parse(fs.readFileSync(settingsPath, 'utf8')).retention).toEqual({ keepLast: 5, keepMonthly: 0 });
  });

  it('keeping all ignores the monthly count, and an impossible count is refused with a sentence', async () => {
    await core.invoke('settings:set', { retention: { keepLast: null, keepMonthly: 6 } });
    expect((await backUp()).retention).toEqual({});
    // (What the bridge and Electron answer: the arguments' check fails before the core runs.)
    const refused = await core.invokeEnvelope('settings:set', { retention: { keepLast: 5, keepMonthly: 1000 } });
    expect(refused.ok ? 'saved' : `${refused.error.code}: ${describeAppError(refused.error)}`).toMatch(/^invalid-argument: .*number of months of monthly backups/);
    expect((await core.invoke('settings:get', {})).retention).toEqual({ keepLast: null, keepMonthly: 6 });
  });
});
