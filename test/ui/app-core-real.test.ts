import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppCore, createAppCore } from '../../src/main/core/app-core';
import type { JobFinished } from '../../src/shared/contract';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/**
 * The core over the real engine, catalog, browser and restore preflight against the virtual
 * iPhone: the wiring the UI relies on, without a browser.
 */
describe('app core with the real backends', () => {
  let harness: SimHarness;
  let core: AppCore;
  let udid: string;
  let backupId: string;

  beforeAll(async () => {
    harness = await startSimHarness();
    ({ core, udid } = await startPairedAppCore(harness));
    const app = core;
    const finished = new Promise<JobFinished>((resolve) => app.on('job:finished', resolve));
    await app.invoke('backup:start', { udid });
    const result = await finished;
    expect(result.outcome).toBe('succeeded');
    backupId = result.backupId!;
  });

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  it('lists the new backup with its Camera Roll and dates the phone’s latest backup', async () => {
    const backups = await core.invoke('backups:list', { udid });
    expect(backups.map((backup) => backup.id)).toEqual([backupId]);
    expect(backups[0]).toMatchObject({ udid, encrypted: false, status: 'complete', archived: false });
    expect(backups[0]!.photoCount).toBeGreaterThan(0);
    const device = (await core.invoke('devices:list', {}))[0]!;
    expect(device.lastBackupAt).toBe(backups[0]!.createdAt);
    expect((await core.invoke('backups:verify', { backupId })).ok).toBe(true);
    expect(await core.invoke('encryption:get', { udid })).toEqual({ udid, enabled: false });
  });

  it('browses, searches and extracts a file from the backup', async () => {
    const session = await core.invoke('browser:open', { backupId });
    expect(session.domains).toContain('CameraRollDomain');
    const top = await core.invoke('browser:list', { sessionId: session.sessionId });
    expect(top.entries.map((entry) => entry.domain)).toContain('HomeDomain');
    const found = await core.invoke('browser:search', { sessionId: session.sessionId, query: 'DCIM', limit: 50 });
    const photo = found.entries.find((entry) => entry.kind === 'file');
    expect(photo).toBeDefined();
    const destination = path.join(harness.workDir, 'extracted');
    const extracted = await core.invoke('browser:extract', { sessionId: session.sessionId, fileIds: [photo!.fileId], destination });
    expect(extracted.files).toBe(1);
    const written = fs.readdirSync(destination, { recursive: true }).map(String);
    expect(written.some((name) => name.endsWith(path.basename(photo!.relativePath)))).toBe(true);
    expect(await core.invoke('browser:close', { sessionId: session.sessionId })).toEqual({ closed: true });
    await expect(core.invoke('browser:list', { sessionId: session.sessionId })).rejects.toMatchObject({ error: { code: 'not-found' } });
  });

  it('finds nothing in the way of restoring the backup onto the same phone', async () => {
    const preflight = await core.invoke('restore:preflight', { udid, backupId });
    expect(preflight).toMatchObject({ ok: true, needsPassword: false, versionCompatible: true, problems: [] });
    expect(preflight.requiredFreeBytes).toBeGreaterThan(0);
  });

  it('keeps the verification of a backup across a restart of the app, with when it was done', async () => {
    const changed = new Promise<readonly string[]>((resolve) => core.on('backups:changed', ({ backups }) => resolve(backups.map((backup) => backup.verifiedAt ?? 'none'))));
    const before = Date.now();
    expect((await core.invoke('backups:verify', { backupId })).ok).toBe(true);
    // The window learns it at once (every window: the list is pushed), not only the one that asked.
    const [verifiedAt] = await changed;
    expect(Date.parse(verifiedAt!)).toBeGreaterThanOrEqual(before - 1000);
    await core.close();
    core = await createAppCore({ muxAddress: harness.sim.address, backupRoot: path.join(harness.workDir, 'backups'), settingsPath: path.join(harness.workDir, 'settings.json') });
    const [listed] = await core.invoke('backups:list', { udid });
    expect(listed).toMatchObject({ id: backupId, status: 'complete', verifiedAt });
  });
});
