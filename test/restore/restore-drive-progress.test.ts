import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfinedPaths } from '../../src/main/backup/store';
import { PlistReal, readFrame, readPlistFrame } from '../../src/main/device/codec';
import { MobileBackup2Client } from '../../src/main/device/services';
import { channelPair } from '../../src/main/device/services/test-support/channel-pair';
import { runRestoreDrive } from '../../src/main/restore/restore-drive';
import { UDID, readDownloadStream, readStatus, send } from '../backup/engine-scripted-device';

/**
 * Issue 16's walk: a restore's progress said "Files 0" beside "Copied 4.3 MB" at 48 %, because files
 * were counted only once the phone's whole DownloadFiles request (§3.6.1) was served, and a small
 * phone asks for most of its files in one. Each file now counts for progress as the next one's bytes
 * start; the exact count still comes when the request is served.
 */
describe('the files of one DownloadFiles request, counted for progress', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-restore-count-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('counts each file as the next one starts, before the request is served', async () => {
    const devicePaths = ['a1', 'b2', 'c3'].map((prefix) => {
      const fileId = prefix.padEnd(40, '0');
      fs.mkdirSync(path.join(folder, UDID, fileId.slice(0, 2)), { recursive: true });
      fs.writeFileSync(path.join(folder, UDID, fileId.slice(0, 2), fileId), Buffer.alloc(70_000, prefix));
      return `${UDID}/${fileId.slice(0, 2)}/${fileId}`;
    });
    const { host, peer } = channelPair();
    const phone = (async () => {
      send(peer, ['DLMessageVersionExchange', 400, 0]);
      await readPlistFrame(peer.reader);
      send(peer, ['DLMessageDeviceReady']);
      await readFrame(peer.reader); // Hello (§3.3)
      send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(2.1) }]);
      send(peer, ['DLMessageDownloadFiles', devicePaths, {}, new PlistReal(1), 0]);
      const downloaded = await readDownloadStream(peer);
      await readStatus(peer);
      send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
      return downloaded;
    })();
    const events: string[] = [];
    const backup = await MobileBackup2Client.connect(host);
    const outcome = await runRestoreDrive({
      deviceLink: backup.deviceLink,
      paths: new ConfinedPaths(UDID, path.join(folder, UDID)),
      onFileSent: (devicePath) => events.push(`sent ${devicePath.slice(-40, -38)}`),
      onFileStreamed: (devicePath) => events.push(`streamed ${devicePath.slice(-40, -38)}`),
      onBytes: () => undefined,
      onStep: () => undefined,
      onStepDone: () => events.push('served'),
    });
    host.close();
    expect(outcome.errorCode).toBe(0);
    expect((await phone).map((file) => file.content.length)).toEqual([70_000, 70_000, 70_000]);
    expect(events).toEqual(['streamed a1', 'streamed b2', 'sent a1', 'sent b2', 'sent c3', 'served']);
  });
});
