import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { PlistReal, type PlistValue, encodeBinaryPlist } from '../../src/main/device/codec';
import { hashTree } from './engine-helpers';
import { UDID, readDownloadStream, readStatus, scriptedSession, send, u32, uploadedFile } from './engine-scripted-device';

const EMPTY = '___EmptyParameterString___';
const FILE_ID = 'ab'.padEnd(40, '7');

/**
 * The host's answer to every DeviceLink request of §3.6, checked message by message against a
 * scripted device: codes of §3.7, payload shapes, streams.
 */
describe('DeviceLink requests and the host\'s replies', () => {
  let base: string;
  let root: string;
  let folder: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    root = path.join(base, 'root');
    folder = path.join(root, UDID);
    fs.mkdirSync(path.join(folder, 'ab'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'Status.plist'), encodeBinaryPlist({ SnapshotState: 'finished', Date: new Date('2025-01-02T03:04:05Z') }));
    fs.writeFileSync(path.join(folder, 'ab', FILE_ID), 'previous content');
  });

  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('answers each request as the protocol says, and publishes the run on success', async () => {
    const before = hashTree(folder);
    const replies: Record<string, unknown> = {};
    const statfs = fs.statfsSync(root);
    const result = await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        send(peer, ['DLMessageGetFreeDiskSpace']);
        replies.free = await readStatus(peer);
        send(peer, ['DLMessagePurgeDiskSpace', 5_000_000_000, 4]);
        replies.purge = await readStatus(peer);
        send(peer, ['DLMessageCreateDirectory', `${UDID}/Snapshot/ab`]);
        replies.mkdir = await readStatus(peer);
        send(peer, ['DLMessageCreateDirectory', `${UDID}/Snapshot/ab`]);
        replies.mkdirAgain = await readStatus(peer);
        send(peer, ['DLMessageDownloadFiles', [`${UDID}/ab/${FILE_ID}`, `${UDID}/missing`], {}, new PlistReal(1), 0]);
        replies.downloaded = await readDownloadStream(peer);
        replies.download = await readStatus(peer);
        send(peer, ['DLMessageDownloadFiles', [], {}, new PlistReal(1), 0]);
        replies.emptyDownloaded = await readDownloadStream(peer);
        replies.emptyDownload = await readStatus(peer);
        send(peer, ['DLMessageUploadFiles', {}, new PlistReal(40), 9]);
        peer.socket.write(Buffer.concat([uploadedFile('HomeDomain-a', `${UDID}/Snapshot/ab/${FILE_ID}`, Buffer.from('new content')), u32(0)]));
        replies.upload = await readStatus(peer);
        send(peer, ['DLContentsOfDirectory', `${UDID}/Snapshot/ab`]);
        replies.list = await readStatus(peer);
        send(peer, ['DLContentsOfDirectory', `${UDID}/nowhere`]);
        replies.listMissing = await readStatus(peer);
        send(peer, ['DLMessageMoveItems', { [`${UDID}/Snapshot/ab/${FILE_ID}`]: `${UDID}/ab/${FILE_ID}` }, {}, new PlistReal(80)]);
        replies.move = await readStatus(peer);
        send(peer, ['DLMessageMoveFiles', { [`${UDID}/Snapshot/gone`]: `${UDID}/gone` }, {}, new PlistReal(80)]);
        replies.moveMissing = await readStatus(peer);
        send(peer, ['DLMessageCopyItem', `${UDID}/ab/${FILE_ID}`, `${UDID}/copy`]);
        replies.copy = await readStatus(peer);
        send(peer, ['DLMessageRemoveItems', [`${UDID}/Snapshot`, `${UDID}/Manifest.mbdx`], {}, new PlistReal(99)]);
        replies.remove = await readStatus(peer);
        send(peer, ['DLMessageSomethingNewer', 1]);
        replies.unknown = await readStatus(peer);
        send(peer, ['DLMessageUploadFiles', {}, new PlistReal(100), 0]);
        peer.socket.write(Buffer.concat([uploadedFile('Status.plist', `${UDID}/Status.plist`, encodeBinaryPlist({ SnapshotState: 'finished', IsFullBackup: false })), u32(0)]));
        replies.status = await readStatus(peer);
        send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
      }),
    );

    const free = (replies.free as PlistValue[])[3] as number;
    expect((replies.free as PlistValue[]).slice(0, 3)).toEqual(['DLMessageStatusResponse', 0, EMPTY]);
    expect(Math.abs(free - Number(statfs.bavail) * Number(statfs.bsize))).toBeLessThan(1e9);
    expect(replies.purge).toEqual(['DLMessageStatusResponse', -1, 'Operation not supported', {}]);
    expect(replies.mkdir).toEqual(['DLMessageStatusResponse', 0, EMPTY, EMPTY]);
    expect(replies.mkdirAgain).toEqual(['DLMessageStatusResponse', 0, EMPTY, EMPTY]);
    expect(replies.downloaded).toEqual([
      { path: `${UDID}/ab/${FILE_ID}`, content: Buffer.from('previous content'), error: undefined },
      { path: `${UDID}/missing`, content: Buffer.alloc(0), error: 'No such file or directory' },
    ]);
    expect(replies.download).toEqual(['DLMessageStatusResponse', -13, 'Multi status', { [`${UDID}/missing`]: { DLFileErrorString: 'No such file or directory', DLFileErrorCode: -6 } }]);
    expect(replies.emptyDownloaded).toEqual([]);
    expect(replies.emptyDownload).toEqual(['DLMessageStatusResponse', 0, EMPTY, {}]);
    expect(replies.upload).toEqual(['DLMessageStatusResponse', 0, EMPTY, {}]);
    const list = replies.list as PlistValue[];
    expect(list.slice(0, 3)).toEqual(['DLMessageStatusResponse', 0, EMPTY]);
    expect(list[3]).toMatchObject({ [FILE_ID]: { DLFileType: 'DLFileTypeRegular', DLFileSize: 11 } });
    expect((replies.listMissing as PlistValue[])[1]).toBe(-6);
    expect(replies.move).toEqual(['DLMessageStatusResponse', 0, EMPTY, EMPTY]);
    expect((replies.moveMissing as PlistValue[]).slice(0, 3)).toEqual(['DLMessageStatusResponse', -6, 'No such file or directory']);
    expect(replies.copy).toEqual(['DLMessageStatusResponse', 0, EMPTY, EMPTY]);
    expect(replies.remove).toEqual(['DLMessageStatusResponse', 0, EMPTY, EMPTY]);
    expect(replies.unknown).toEqual(['DLMessageStatusResponse', -1, 'Operation not supported', EMPTY]);
    expect(replies.status).toEqual(['DLMessageStatusResponse', 0, EMPTY, {}]);

    // Published: the new content is current, the old backup a snapshot byte for byte.
    expect(fs.readFileSync(path.join(folder, 'ab', FILE_ID), 'utf8')).toBe('new content');
    expect(fs.readFileSync(path.join(folder, 'copy'), 'utf8')).toBe('new content');
    expect(fs.existsSync(path.join(folder, 'Snapshot'))).toBe(false);
    expect(hashTree(result.previousSnapshot as string)).toEqual(before);
    expect(result.isFullBackup).toBe(false);
  });

  it('passes the device\'s error code on as a sentence and keeps the previous backup', async () => {
    const before = hashTree(folder);
    await expect(
      runBackupWith({ udid: UDID, backupRoot: root }, scriptedSession(async (peer) => {
        send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 105, ErrorDescription: 'Insufficient free disk space on drive to back up (MBErrorDomain/105)' }]);
      })),
    ).rejects.toMatchObject({ code: 'disk-full', message: expect.stringContaining('too little free space') });
    expect(hashTree(folder)).toEqual(before);
  });
});
