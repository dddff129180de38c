import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BackupDeviceSession, openBackupSession, type OpenSessionOptions } from '../../src/main/backup/engine/device-session';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { NotificationName } from '../../src/main/device/services';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { pairWithTool } from './engine-helpers';

/**
 * How long a lockdown or service reply may take in these tests. The phone's notification
 * connection stays quiet for longer than that, as it does for minutes while a million-file phone
 * prepares its backup: the observer must not take that quiet for a dead phone (§2.8).
 */
const REPLY_TIMEOUT_MS = 1500;

/** The condition under test is the silence itself, so the test waits it out. */
const quietLongerThanAnyReply = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, REPLY_TIMEOUT_MS * 1.5));

describe('a notification_proxy that says nothing for longer than a reply may take', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 23 });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  const open = (options: OpenSessionOptions): Promise<BackupDeviceSession> => openBackupSession({ ...options, replyTimeoutMs: REPLY_TIMEOUT_MS });

  it('takes the sync lock after the quiet and still hears the phone cancel', async () => {
    const session = await open({ udid: device.udid, muxAddress: harness.sim.address, describe: false });
    try {
      const heard: string[] = [];
      session.notifications.onNotification((name) => heard.push(name));
      await quietLongerThanAnyReply();
      // Before: the observer's read timed out after the reply timeout, and this post threw "Nothing arrived".
      await session.takeSyncLock();
      await vi.waitFor(
        () => {
          device.notifications.post(NotificationName.SYNC_CANCEL_REQUEST);
          expect(heard).toContain(NotificationName.SYNC_CANCEL_REQUEST);
        },
        { timeout: 10_000, interval: 50 },
      );
      await session.releaseSyncLock();
    } finally {
      await session.close();
    }
  });

  it('backs up a phone whose notification service has gone silent, even when preparing outlasts every reply time-out', async () => {
    device.setFaults({ silentNotificationProxy: true });
    try {
      // A slow start, as a huge phone's: the sync lock is taken only after the quiet.
      const slowToStart = async (options: OpenSessionOptions): Promise<BackupDeviceSession> => {
        const session = await open(options);
        return {
          ...session,
          takeSyncLock: async () => {
            await quietLongerThanAnyReply();
            await session.takeSyncLock();
          },
        };
      };
      const result = await runBackupWith({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address }, slowToStart);
      expect(result.filesReceived).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(root, device.udid, 'Manifest.db'))).toBe(true);
    } finally {
      device.setFaults({ silentNotificationProxy: undefined });
    }
  });
});
