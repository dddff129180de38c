import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BackupError, isBackupError } from '../../src/main/backup/backup-error';
import type { BackupDeviceSession } from '../../src/main/backup/engine/device-session';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { type PlistValue, PlistReal, encodeBinaryPlist, encodePlist, encodePlistFrame, readFrame, readPlistFrame } from '../../src/main/device/codec';
import { MobileBackup2Client } from '../../src/main/device/services';
import { type ScriptedPeer, channelPair } from '../../src/main/device/services/test-support/channel-pair';
import { hashTree } from './engine-helpers';

const UDID = '00008110-000A1B2C3D4E801E';

function send(peer: ScriptedPeer, value: PlistValue): void {
  peer.socket.write(encodePlistFrame(value, 'binary'));
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

function streamName(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
}

/** One file of a DLMessageUploadFiles stream (§3.6.2). */
function uploadedFile(deviceName: string, destination: string, content: Buffer): Buffer {
  return Buffer.concat([streamName(deviceName), streamName(destination), u32(content.length + 1), Buffer.from([0x0c]), content, u32(1), Buffer.from([0x00])]);
}

/** A phone connection whose device side is a script: handshake (§3.2, §3.3), wait for Backup, then `script`. */
function scriptedSession(script: (peer: ScriptedPeer) => Promise<void>): () => Promise<BackupDeviceSession> {
  return async () => {
    const { host, peer } = channelPair();
    const device = (async () => {
      send(peer, ['DLMessageVersionExchange', 400, 0]);
      await readPlistFrame(peer.reader);
      send(peer, ['DLMessageDeviceReady']);
      await readFrame(peer.reader);
      send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(2.1) }]);
      await readFrame(peer.reader); // the Backup request
      await script(peer);
    })().catch(() => undefined); // the host hangs up on a hostile device: expected
    const backup = await MobileBackup2Client.connect(host);
    return {
      udid: UDID,
      facts: { willEncrypt: false, usedBytes: undefined },
      description: { udid: UDID, root: { DeviceName: 'Scripted' }, itunesSettings: undefined, minITunesVersion: undefined, itunesFiles: new Map(), booksData: undefined, apps: [] },
      backup,
      notifications: { onNotification: () => () => undefined },
      takeSyncLock: async () => undefined,
      releaseSyncLock: async () => undefined,
      close: async () => {
        host.close();
        await device;
      },
    };
  };
}

describe('a hostile device cannot reach outside its backup folder', () => {
  let base: string;
  let root: string;
  let folder: string;
  let outside: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    root = path.join(base, 'root');
    folder = path.join(root, UDID);
    outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'do not read');
    // A "previous complete backup" with a link planted in it, as if someone had tampered with it.
    fs.mkdirSync(path.join(folder, 'ab'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'ab', 'ab00000000000000000000000000000000000000'), 'old content');
    fs.writeFileSync(path.join(folder, 'Status.plist'), encodeBinaryPlist({ SnapshotState: 'finished', Date: new Date('2025-01-02T03:04:05Z') }));
    fs.writeFileSync(path.join(folder, 'Manifest.plist'), encodePlist({ IsEncrypted: false }, 'binary'));
    fs.symlinkSync(outside, path.join(folder, 'cd'));
  });

  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  async function expectRefused(script: (peer: ScriptedPeer) => Promise<void>, codes: readonly string[]): Promise<BackupError> {
    const before = hashTree(folder);
    const outsideBefore = hashTree(outside);
    let caught: unknown;
    try {
      await runBackupWith({ udid: UDID, backupRoot: root }, scriptedSession(script));
    } catch (error) {
      caught = error;
    }
    expect(isBackupError(caught), String(caught)).toBe(true);
    const error = caught as BackupError;
    expect(codes, error.message).toContain(error.code);
    expect(hashTree(folder)).toEqual(before);
    expect(hashTree(outside)).toEqual(outsideBefore);
    expect(fs.readdirSync(root).sort()).toEqual(['.lifeboat', UDID]);
    expect(fs.readdirSync(path.join(root, '.lifeboat', 'staging'))).toEqual([]);
    expect(fs.existsSync(path.join(base, 'evil'))).toBe(false);
    return error;
  }

  it('refuses an upload to ../ paths', async () => {
    const error = await expectRefused(async (peer) => {
      send(peer, ['DLMessageUploadFiles', {}, new PlistReal(1), 0]);
      peer.socket.write(Buffer.concat([uploadedFile('HomeDomain-x', `${UDID}/../../evil`, Buffer.from('pwned')), u32(0)]));
    }, ['hostile-path']);
    expect(error.message).toMatch(/path/);
  });

  it('refuses absolute paths and other devices\' folders', async () => {
    await expectRefused(async (peer) => send(peer, ['DLMessageCreateDirectory', path.join(base, 'evil')]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageDownloadFiles', ['OTHER-DEVICE-0000/Status.plist'], {}, new PlistReal(0), 0]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageMoveItems', { [`${UDID}/Status.plist`]: `${UDID}/../evil` }, {}, new PlistReal(0)]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageRemoveItems', [`${UDID}/..`], {}, new PlistReal(0)]), ['hostile-path']);
  });

  it('refuses to write or read through a symbolic link planted in the backup', async () => {
    await expectRefused(async (peer) => {
      send(peer, ['DLMessageUploadFiles', {}, new PlistReal(1), 0]);
      peer.socket.write(Buffer.concat([uploadedFile('HomeDomain-x', `${UDID}/cd/pwned`, Buffer.from('pwned')), u32(0)]));
    }, ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageDownloadFiles', [`${UDID}/cd/secret.txt`], {}, new PlistReal(0), 0]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLContentsOfDirectory', `${UDID}/cd`]), ['hostile-path']);
  });

  it('refuses huge name lengths and huge frames', async () => {
    await expectRefused(async (peer) => {
      send(peer, ['DLMessageUploadFiles', {}, new PlistReal(1), 0]);
      peer.socket.write(u32(0x7fffffff));
    }, ['protocol']);
    await expectRefused(async (peer) => {
      peer.socket.write(u32(0xfffffff0));
    }, ['protocol']);
  });

  it('refuses out-of-order messages and garbage', async () => {
    await expectRefused(async (peer) => send(peer, ['DLMessageDeviceReady']), ['protocol']);
    await expectRefused(async (peer) => send(peer, ['DLMessageVersionExchange', 400, 0]), ['protocol']);
    await expectRefused(async (peer) => send(peer, ['DLMessageStatusResponse', 0, '___EmptyParameterString___', {}]), ['protocol']);
    await expectRefused(async (peer) => {
      peer.socket.write(Buffer.concat([u32(12), Buffer.from('not a plist!')]));
    }, ['protocol']);
  });

  it('does not publish a run the device called a success without a finished Status.plist', async () => {
    const error = await expectRefused(async (peer) => {
      send(peer, ['DLMessageUploadFiles', {}, new PlistReal(50), 0]);
      peer.socket.write(Buffer.concat([uploadedFile('Status.plist', `${UDID}/Status.plist`, encodeBinaryPlist({ SnapshotState: 'uploading' })), u32(0)]));
      await readPlistFrame(peer.reader);
      send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
    }, ['device-error']);
    expect(error.message).toMatch(/finished/);
  });

  it('ends cleanly when the device disconnects without a result', async () => {
    await expectRefused(async (peer) => send(peer, ['DLMessageDisconnect', 'bye']), ['disconnected']);
  });
});
