import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PlistValue, decodePlist } from '../../src/main/device/codec';
import { type DeviceConnection, connectDevice, pairDevice } from '../../src/main/device/lockdown';
import {
  AfcClient,
  AfcLockOperation,
  AfcOpenMode,
  type DeviceLinkClient,
  MobileBackup2Client,
  NotificationName,
  NotificationProxyClient,
  RemoteFileError,
  readBackupResult,
} from '../../src/main/device/services';
import { UsbmuxClient } from '../../src/main/device/usbmux';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/** The service clients against the virtual iPhone, through the real usbmux + lockdown layers. */

let harness: SimHarness | undefined;
let connection: DeviceConnection | undefined;
afterEach(async () => {
  await connection?.close();
  connection = undefined;
  await harness?.cleanup();
  harness = undefined;
});

async function connectToSimulator(): Promise<{ h: SimHarness; device: DeviceConnection }> {
  const h = await startSimHarness();
  harness = h;
  const mux = new UsbmuxClient({ address: h.sim.address, timeoutMs: 20_000 });
  const found = await mux.findDevice();
  await pairDevice(found, { mux });
  const device = await connectDevice(found.udid, { mux });
  connection = device;
  return { h, device };
}

/**
 * The smallest honest DeviceLink loop (§3.6) over a folder, enough to prove the client's messages
 * and streams against the simulator. The backup engine owns the real one.
 */
async function serveDeviceLink(
  link: DeviceLinkClient,
  root: string,
): Promise<{ result: ReturnType<typeof readBackupResult>; progress: number[]; bytesSent: number; bytesReceived: number }> {
  const progress: number[] = [];
  let bytesSent = 0;
  let bytesReceived = 0;
  const local = (relative: string): string => {
    if (path.isAbsolute(relative) || relative.split('/').includes('..')) throw new Error(`unsafe path ${relative}`);
    return path.join(root, relative);
  };
  for (;;) {
    const message = await link.receiveMessage(60_000);
    if (message.progress !== undefined) progress.push(message.progress);
    switch (message.kind) {
      case 'DLMessageDownloadFiles': {
        const sent = await link.sendFiles(message.paths, (p) => fs.createReadStream(local(p)));
        bytesSent += sent.bytesSent;
        if (sent.failures.length === 0) await link.sendStatusResponse(0, undefined, {});
        else {
          const perPath: Record<string, PlistValue> = {};
          for (const failure of sent.failures) perPath[failure.path] = { DLFileErrorString: failure.message, DLFileErrorCode: -6 };
          await link.sendStatusResponse(-13, 'Multi status', perPath);
        }
        break;
      }
      case 'DLMessageUploadFiles':
        for await (const file of link.receiveFiles()) {
          const target = local(file.destinationPath);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          const parts: Buffer[] = [];
          try {
            for await (const chunk of file.chunks()) parts.push(chunk);
            fs.writeFileSync(target, Buffer.concat(parts));
            bytesReceived += file.bytesReceived;
          } catch (error) {
            if (!(error instanceof RemoteFileError)) throw error;
          }
        }
        await link.sendStatusResponse(0, undefined, {});
        break;
      case 'DLMessageCreateDirectory':
        fs.mkdirSync(local(message.path), { recursive: true });
        await link.sendStatusResponse(0);
        break;
      case 'DLMessageMoveItems':
      case 'DLMessageMoveFiles':
        for (const move of message.moves) {
          fs.rmSync(local(move.to), { recursive: true, force: true });
          fs.renameSync(local(move.from), local(move.to));
        }
        await link.sendStatusResponse(0, undefined, {});
        break;
      case 'DLMessageRemoveItems':
      case 'DLMessageRemoveFiles':
        for (const p of message.paths) fs.rmSync(local(p), { recursive: true, force: true });
        await link.sendStatusResponse(0, undefined, {});
        break;
      case 'DLMessageGetFreeDiskSpace':
        await link.sendStatusResponse(0, undefined, 100 * 1024 * 1024 * 1024);
        break;
      case 'DLContentsOfDirectory': {
        const entries: Record<string, PlistValue> = {};
        const dir = local(message.path);
        for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
          const stat = fs.statSync(path.join(dir, name));
          entries[name] = { DLFileType: stat.isDirectory() ? 'DLFileTypeDirectory' : 'DLFileTypeRegular', DLFileSize: stat.size, DLFileModificationDate: stat.mtime };
        }
        await link.sendStatusResponse(0, undefined, entries);
        break;
      }
      case 'DLMessageCopyItem':
        fs.cpSync(local(message.source), local(message.destination), { recursive: true });
        await link.sendStatusResponse(0, undefined, {});
        break;
      case 'DLMessagePurgeDiskSpace':
        await link.sendStatusResponse(-1, 'Operation not supported', {});
        break;
      case 'DLMessageProcessMessage':
        return { result: readBackupResult(message.message), progress, bytesSent, bytesReceived };
      case 'DLMessageDisconnect':
        throw new Error(`device disconnected: ${message.reason ?? ''}`);
      default:
        throw new Error(`unexpected ${message.kind}`);
    }
  }
}

describe('service clients against the virtual iPhone', () => {
  it('AFC: lists DCIM, reads device info and file details, and round-trips a file', async () => {
    const { device } = await connectToSimulator();
    const afc = new AfcClient(await device.session.startService(AfcClient.SERVICE_NAME));
    try {
      expect(await afc.readDirectory('/')).toContain('DCIM');
      const info = await afc.getDeviceInfo();
      expect(info.totalBytes).toBeGreaterThan(0);
      expect(info.model).toBeTruthy();

      const photos: string[] = [];
      for await (const entry of afc.walk('/DCIM')) if (entry.info.type === 'file') photos.push(entry.path);
      expect(photos.length).toBeGreaterThan(0);
      const first = photos[0] as string;
      const details = await afc.getFileInfo(first);
      let streamed = 0;
      for await (const chunk of afc.readFile(first)) streamed += chunk.length;
      expect(streamed).toBe(details.size);
      expect(details.modified?.getTime()).toBeGreaterThan(0);

      const content = Buffer.from('<plist version="1.0"><dict/></plist>\n');
      await afc.makeDirectory('/iTunesRestore');
      await afc.writeFile('/iTunesRestore/RestoreApplications.plist', content);
      expect((await afc.readFileToBuffer('/iTunesRestore/RestoreApplications.plist')).equals(content)).toBe(true);
      await afc.removePath('/iTunesRestore/RestoreApplications.plist');
      await expect(afc.getFileInfo('/iTunesRestore/RestoreApplications.plist')).rejects.toMatchObject({ statusName: 'OBJECT_NOT_FOUND' });
    } finally {
      afc.closeConnection();
    }
  });

  it('AFC: seek/tell, resize, truncate, links, dates, rename and recursive remove', async () => {
    const { device } = await connectToSimulator();
    const afc = new AfcClient(await device.session.startService(AfcClient.SERVICE_NAME));
    try {
      await afc.makeDirectory('/Downloads/lifeboat/nested');
      await afc.writeFile('/Downloads/lifeboat/nested/a.txt', Buffer.from('0123456789'));
      const handle = await afc.open('/Downloads/lifeboat/nested/a.txt', AfcOpenMode.READ_WRITE);
      await afc.seek(handle, 4);
      expect(await afc.tell(handle)).toBe(4);
      expect((await afc.read(handle, 3)).toString()).toBe('456');
      await afc.seek(handle, -2, 'end');
      expect((await afc.read(handle)).toString()).toBe('89');
      await afc.setFileSize(handle, 6);
      await afc.close(handle);
      expect((await afc.getFileInfo('/Downloads/lifeboat/nested/a.txt')).size).toBe(6);
      await afc.truncate('/Downloads/lifeboat/nested/a.txt', 2);
      expect((await afc.readFileToBuffer('/Downloads/lifeboat/nested/a.txt')).toString()).toBe('01');

      const when = new Date('2020-02-02T02:02:02.000Z');
      await afc.setFileModTime('/Downloads/lifeboat/nested/a.txt', when);
      expect((await afc.getFileInfo('/Downloads/lifeboat/nested/a.txt')).modified?.toISOString()).toBe(when.toISOString());

      await afc.makeLink('symbolic', '/Downloads/lifeboat/nested/a.txt', '/Downloads/lifeboat/link');
      const link = await afc.getFileInfo('/Downloads/lifeboat/link');
      expect(link.type).toBe('symlink');
      expect(link.linkTarget).toBe('/Downloads/lifeboat/nested/a.txt');

      await afc.renamePath('/Downloads/lifeboat/nested/a.txt', '/Downloads/lifeboat/nested/b.txt');
      expect(await afc.readDirectory('/Downloads/lifeboat/nested')).toEqual(['b.txt']);
      await expect(afc.removePath('/Downloads/lifeboat')).rejects.toMatchObject({ code: 'device-refused' });
      await afc.removePathAndContents('/Downloads/lifeboat');
      await expect(afc.readDirectory('/Downloads/lifeboat')).rejects.toMatchObject({ statusName: 'OBJECT_NOT_FOUND' });
    } finally {
      afc.closeConnection();
    }
  });

  it('AFC: a second host cannot take the sync lock while the first holds it', async () => {
    const { device } = await connectToSimulator();
    const first = new AfcClient(await device.session.startService(AfcClient.SERVICE_NAME));
    const second = new AfcClient(await device.session.startService(AfcClient.SERVICE_NAME));
    try {
      const held = await first.open('/com.apple.itunes.lock_sync', AfcOpenMode.READ_WRITE);
      await first.lockWithRetry(held);
      const waiting = await second.open('/com.apple.itunes.lock_sync', AfcOpenMode.READ_WRITE);
      await expect(second.lockWithRetry(waiting, AfcLockOperation.EXCLUSIVE, { attempts: 2, delayMs: 10 })).rejects.toMatchObject({ statusName: 'OP_WOULD_BLOCK' });
      await first.lock(held, AfcLockOperation.UNLOCK);
      await second.lockWithRetry(waiting, AfcLockOperation.EXCLUSIVE, { attempts: 2, delayMs: 10 });
    } finally {
      first.closeConnection();
      second.closeConnection();
    }
  });

  it('notification_proxy: posts reach the phone, observed names are relayed, shutdown ends with ProxyDeath', async () => {
    const { h, device } = await connectToSimulator();
    const phone = h.sim.devices()[0];
    if (!phone) throw new Error('the simulator has no device');
    const poster = new NotificationProxyClient(await device.session.startService(NotificationProxyClient.SERVICE_NAME));
    const reachedPhone = new Promise<void>((resolve) => {
      const stop = phone.notifications.subscribe((name) => {
        if (name === NotificationName.SYNC_WILL_START) {
          stop();
          resolve();
        }
      });
    });
    await poster.post(NotificationName.SYNC_WILL_START);
    await reachedPhone;
    await poster.shutdown();

    const observer = new NotificationProxyClient(await device.session.startService(NotificationProxyClient.SERVICE_NAME));
    const heard: string[] = [];
    observer.onNotification((name) => heard.push(name));
    await observer.observe(NotificationName.SYNC_CANCEL_REQUEST);
    // The phone handles ObserveNotification on its own schedule: post until the relay shows up.
    await vi.waitFor(
      () => {
        phone.notifications.post('com.example.not-observed');
        phone.notifications.post(NotificationName.SYNC_CANCEL_REQUEST);
        expect(heard.length).toBeGreaterThan(0);
      },
      { timeout: 5_000, interval: 10 },
    );
    const iterator = observer.notifications();
    await observer.shutdown();
    for await (const _name of iterator) {
      // drained until ProxyDeath ended it
    }
    expect(heard.length).toBeGreaterThan(0);
    expect(new Set(heard)).toEqual(new Set([NotificationName.SYNC_CANCEL_REQUEST]));
  });

  it('mobilebackup2: handshake, then a full backup, Info and a restore through the DeviceLink client', async () => {
    const { h, device } = await connectToSimulator();
    const udid = device.device.udid;
    const root = path.join(h.workDir, 'backups');
    fs.mkdirSync(root);
    const backup = await MobileBackup2Client.connect(await device.session.startService(MobileBackup2Client.SERVICE_NAME, { escrowBag: true }));
    try {
      expect([2.0, 2.1]).toContain(backup.protocolVersion);
      await backup.backup({ targetId: udid });
      const { result, progress, bytesReceived } = await serveDeviceLink(backup.deviceLink, root);
      expect(result.errorCode).toBe(0);
      expect(bytesReceived).toBeGreaterThan(0);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((value) => value >= 0 && value <= 100)).toBe(true);

      const folder = path.join(root, udid);
      for (const name of ['Manifest.db', 'Manifest.plist', 'Status.plist']) expect(fs.existsSync(path.join(folder, name))).toBe(true);
      const status = decodePlist(fs.readFileSync(path.join(folder, 'Status.plist')));
      expect(status).toMatchObject({ SnapshotState: 'finished' });
      const hashed = fs.readdirSync(folder).filter((name) => /^[0-9a-f]{2}$/.test(name));
      expect(hashed.length).toBeGreaterThan(0);

      await backup.info({ targetId: udid });
      const info = await serveDeviceLink(backup.deviceLink, root);
      expect(info.result.errorCode).toBe(0);

      // Restore streams the backup's files back to the phone (DownloadFiles, §3.6.1, §7.3).
      await backup.restore({ targetId: udid, sourceId: udid, dontCopyBackup: true, rebootWhenDone: false, restoreSystemFiles: false });
      const restored = await serveDeviceLink(backup.deviceLink, root);
      expect(restored.result).toMatchObject({ errorCode: 0 });
      expect(restored.bytesSent).toBeGreaterThan(0);
    } finally {
      await backup.disconnect();
    }
  });
});
