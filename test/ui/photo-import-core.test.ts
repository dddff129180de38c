import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/main/cli/exit-codes';
import type { AppCore } from '../../src/main/core/app-core';
import type { JobFinished } from '../../src/shared/contract';
import { cli } from '../cli/backup-cli-helpers';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';
import { dcimEntries } from '../photos/import-helpers';

/** What the importer says of a photo whose AFC open the phone refused (import-outcome.ts). */
const BUSY_REASON = 'The iPhone did not let this file be read (Photos may be busy with it); import again later to copy it.';

/**
 * The app's Import Photos over the real importer and the virtual iPhone: a photo the phone will
 * not give (its AFC open refused, the `unreadablePaths` fault) reaches the window's job:finished
 * with its name and the reason (which does not repeat the name), while every other photo is copied;
 * `lifeboat photos import` prints the photo's path before the same reason.
 */
describe('app core: a photo import with a photo the iPhone will not give', () => {
  let harness: SimHarness;
  let core: AppCore;
  let udid: string;

  beforeAll(async () => {
    harness = await startSimHarness();
    ({ core, udid } = await startPairedAppCore(harness));
  });

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  async function importInto(destination: string): Promise<JobFinished> {
    const finished = new Promise<JobFinished>((resolve) => core.on('job:finished', (event) => event.kind === 'photos-import' && resolve(event)));
    await core.invoke('photos:import', { udid, destination });
    return finished;
  }

  it('finishes, copies the others and names the photo it could not copy with the reason', async () => {
    const device = harness.sim.device(udid);
    const onPhone = [...dcimEntries(device.phone).keys()].sort();
    const unreadable = onPhone.find((afcPath) => /\.(heic|jpe?g)$/i.test(afcPath));
    if (!unreadable) throw new Error('the virtual iPhone has no photos');
    device.setFaults({ unreadablePaths: [unreadable] });
    const destination = path.join(harness.workDir, 'photos');
    const notice = new Promise<string | undefined>((resolve) => core.on('notify', (event) => event.about === 'job-finished' && resolve(event.body)));
    const finished = await importInto(destination);
    expect(finished.outcome).toBe('succeeded');
    expect(await notice).toBe('1 photo could not be copied.');
    // The window shows the name above the reason, so the reason does not say it again.
    expect(finished.photosNotCopied).toEqual({ count: 1, files: [{ name: path.posix.basename(unreadable), reason: BUSY_REASON }] });
    const copied = fs.readdirSync(destination, { recursive: true }).map(String).filter((name) => fs.statSync(path.join(destination, name)).isFile());
    expect(copied.some((name) => path.basename(name) === path.posix.basename(unreadable))).toBe(false);
    expect(copied.length).toBeGreaterThan(0);
  });

  it('names the photo on the command line too: its path, then the same reason', async () => {
    const device = harness.sim.device(udid);
    const unreadable = [...dcimEntries(device.phone).keys()].sort().find((afcPath) => /\.(heic|jpe?g)$/i.test(afcPath))!;
    device.setFaults({ unreadablePaths: [unreadable] });
    try {
      const run = await cli(harness, ['photos', 'import', '--to', path.join(harness.workDir, 'cli-photos')]);
      expect(run.code).toBe(ExitCode.deviceError);
      expect(run.stderr).toContain(`lifeboat: could not copy ${unreadable}: ${BUSY_REASON}\n`);
    } finally {
      device.setFaults({ unreadablePaths: undefined });
    }
  });

  it('says nothing was left behind once the photo can be read again', async () => {
    harness.sim.device(udid).setFaults({ unreadablePaths: undefined });
    const finished = await importInto(path.join(harness.workDir, 'photos'));
    expect(finished.outcome).toBe('succeeded');
    expect(finished).not.toHaveProperty('photosNotCopied');
  });
});
