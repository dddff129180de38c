import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BackupError, isBackupError } from '../../src/main/backup/backup-error';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { PlistReal, encodeBinaryPlist, encodePlist, readPlistFrame } from '../../src/main/device/codec';
import type { ScriptedPeer } from '../../src/main/device/services/test-support/channel-pair';
import { hashTree } from './engine-helpers';
import { UDID, scriptedSession, send, u32, uploadedFile } from './engine-scripted-device';

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
      // A run the engine failed to refuse waits for the next request: the idle time-out turns
      // that into a `timeout` failure in seconds instead of a hung test.
      await runBackupWith({ udid: UDID, backupRoot: root, idleTimeoutMs: 10_000 }, scriptedSession(script));
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

  it('refuses names Windows cannot hold (device names, a trailing dot) before writing anything', async () => {
    for (const name of ['CON.txt', 'ab/nul', 'evil.']) {
      const error = await expectRefused(async (peer) => {
        send(peer, ['DLMessageUploadFiles', {}, new PlistReal(1), 0]);
        peer.socket.write(Buffer.concat([uploadedFile('HomeDomain-x', `${UDID}/${name}`, Buffer.from('pwned')), u32(0)]));
      }, ['hostile-path']);
      expect(error.message).toMatch(/Windows/);
    }
  });

  it('refuses to write or read through a symbolic link planted in the backup', async () => {
    await expectRefused(async (peer) => {
      send(peer, ['DLMessageUploadFiles', {}, new PlistReal(1), 0]);
      peer.socket.write(Buffer.concat([uploadedFile('HomeDomain-x', `${UDID}/cd/pwned`, Buffer.from('pwned')), u32(0)]));
    }, ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageDownloadFiles', [`${UDID}/cd/secret.txt`], {}, new PlistReal(0), 0]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLContentsOfDirectory', `${UDID}/cd`]), ['hostile-path']);
    // Staging starts empty (reverse deltas), so the link is only in the previous backup: a folder,
    // a move or a removal below it would reach outside when the commit renames into that backup.
    await expectRefused(async (peer) => send(peer, ['DLMessageCreateDirectory', `${UDID}/cd/made`]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageRemoveItems', [`${UDID}/cd/secret.txt`], {}, new PlistReal(0)]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageMoveItems', { [`${UDID}/Status.plist`]: `${UDID}/cd/moved` }, {}, new PlistReal(0)]), ['hostile-path']);
    await expectRefused(async (peer) => send(peer, ['DLMessageCopyItem', `${UDID}/Status.plist`, `${UDID}/cd/copied`, {}, new PlistReal(0)]), ['hostile-path']);
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
