import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePlist, isPlistDict } from '../../src/main/device/codec';
import type { FaultPlan } from '../../src/simulator/device/service-context';
import { AfcTestClient, le64 } from '../../src/simulator/services/afc/testing/afc-test-client';
import { listenAfc, testServiceContext } from '../../src/simulator/services/afc/testing/afc-test-context';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';

/**
 * Real idevicebackup2 takes the AFC sync lock (protocol.md §4.5, §7.1) before it backs up. While
 * another AFC client holds LOCK_EX on /com.apple.itunes.lock_sync it must give up; once the lock
 * is released the backup goes through.
 */
describe('AFC sync lock against idevicebackup2', () => {
  let harness: SimHarness;
  let other: { port: number; close: () => Promise<void> };
  let client: AfcTestClient;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 31 });
    expect((await runTool('idevicepair', ['pair'], harness.env)).code).toBe(0);
    const device = harness.sim.devices()[0];
    if (!device) throw new Error('the simulator has no device');
    // A second AFC connection to the same phone: its locks share the phone's lock table.
    const faults: { current: FaultPlan } = { current: { trust: 'accept', locked: false } };
    other = await listenAfc(testServiceContext(device.phone, faults));
    client = await AfcTestClient.connect(other.port);
  });

  afterAll(async () => {
    client?.close();
    await other?.close();
    await harness?.cleanup();
  });

  it('gives up while another client holds the lock, and backs up once it is released', async () => {
    const root = path.join(harness.workDir, 'backups');
    fs.mkdirSync(root);
    const handle = await client.open('/com.apple.itunes.lock_sync', 2);
    expect(await client.status(0x1b, le64(handle, 6))).toBe(0);

    const blocked = await runTool('idevicebackup2', ['backup', root], harness.env);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toMatch(/timeout while locking for sync/);
    expect(blocked.stdout).not.toContain('Backup Successful.');

    expect(await client.status(0x1b, le64(handle, 12))).toBe(0);
    const done = await runTool('idevicebackup2', ['backup', root], harness.env);
    expect(done.stdout).toContain('Backup Successful.');
    // idevicebackup2 unlocked and closed its handle, so the lock is free again.
    expect(await client.status(0x1b, le64(handle, 6))).toBe(0);
    expect(await client.status(0x1b, le64(handle, 12))).toBe(0);
  });

  it('takes RestoreApplications.plist written over AFC before a restore (§4.5)', async () => {
    const root = path.join(harness.workDir, 'backups');
    const device = harness.sim.devices()[0];
    if (!device) throw new Error('the simulator has no device');
    const result = await runTool('idevicebackup2', ['restore', '--system', '--no-reboot', root], harness.env);
    expect(result.stdout).toContain('Wrote RestoreApplications.plist');
    expect(result.stdout).toContain('Restore Successful.');
    const written = await client.readWhole('/iTunesRestore/RestoreApplications.plist');
    const applications = decodePlist(written);
    expect(isPlistDict(applications)).toBe(true);
    expect(Object.keys(applications as object).sort()).toEqual(device.phone.apps().map((app) => app.bundleId).sort());
  });
});
