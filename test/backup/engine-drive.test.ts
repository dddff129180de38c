import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { completeBackupFolder, nodeStoreFs, type StoreFs } from '../../src/main/backup/store';
import type { ScriptedPeer } from '../../src/main/device/services/test-support/channel-pair';
import { PlistReal, type PlistValue, encodeBinaryPlist } from '../../src/main/device/codec';
import { DeviceLinkClient } from '../../src/main/device/services';
import { hashTree } from './engine-helpers';
import { UDID, readDownloadStream, readStatus, scriptedSession, send, streamName, u32, uploadedFile } from './engine-scripted-device';

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
        // Empty folders, a folder with one inside, their parent among them, a missing file: all go.
        send(peer, ['DLMessageCreateDirectory', `${UDID}/Snapshot/cd`]);
        replies.mkdirEmpty = await readStatus(peer);
        send(peer, ['DLMessageCreateDirectory', `${UDID}/Snapshot/ef/deeper`]);
        replies.mkdirDeeper = await readStatus(peer);
        send(peer, ['DLMessageRemoveItems', [`${UDID}/Snapshot/cd`, `${UDID}/Snapshot/ef`, `${UDID}/Snapshot`, `${UDID}/Snapshot/cd`, `${UDID}/Manifest.mbdx`], {}, new PlistReal(99)]);
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
    expect([replies.mkdirEmpty, replies.mkdirDeeper, replies.remove]).toEqual(Array(3).fill(['DLMessageStatusResponse', 0, EMPTY, EMPTY]));
    expect(replies.unknown).toEqual(['DLMessageStatusResponse', -1, 'Operation not supported', EMPTY]);
    expect(replies.status).toEqual(['DLMessageStatusResponse', 0, EMPTY, {}]);

    // Published: the new content is current, the old backup a snapshot byte for byte.
    expect(fs.readFileSync(path.join(folder, 'ab', FILE_ID), 'utf8')).toBe('new content');
    expect(fs.readFileSync(path.join(folder, 'copy'), 'utf8')).toBe('new content');
    expect(fs.existsSync(path.join(folder, 'Snapshot'))).toBe(false);
    // A reverse-delta snapshot: read as a whole through the chain (README "How snapshots work").
    expect(hashTree(await completeBackupFolder(result.previousSnapshot as string, root))).toEqual(before);
    expect(result.isFullBackup).toBe(false);
  });

  it('answers each content folder\'s listing as a live one would, made ahead only while nothing came between', async () => {
    const files: ReadonlyArray<readonly [string, string]> = [['aa/aa01', 'one'], ['ab/ab01', 'two two'], ['ac/ac01', 'three'], ['ac/ac02', 'four four']];
    for (const [relative, content] of files) {
      fs.mkdirSync(path.dirname(path.join(folder, relative)), { recursive: true });
      fs.writeFileSync(path.join(folder, relative), content);
    }
    const listings: Record<string, PlistValue> = {};
    const madeAhead = vi.spyOn(DeviceLinkClient.prototype, 'sendPrepared');
    try {
      await runBackupWith(
        { udid: UDID, backupRoot: root },
        scriptedSession(async (peer) => {
          for (const name of ['aa', 'ab']) {
            send(peer, ['DLContentsOfDirectory', `${UDID}/${name}`]);
            listings[name] = ((await readStatus(peer)) as PlistValue[])[3] as PlistValue;
          }
          // The answer for `ac` was made after `ab`'s; this removal comes between, so it is made afresh.
          send(peer, ['DLMessageRemoveItems', [`${UDID}/ac/ac01`], {}, new PlistReal(50)]);
          await readStatus(peer);
          send(peer, ['DLContentsOfDirectory', `${UDID}/ac`]);
          listings.ac = ((await readStatus(peer)) as PlistValue[])[3] as PlistValue;
          send(peer, ['DLMessageUploadFiles', {}, new PlistReal(100), 0]);
          peer.socket.write(Buffer.concat([uploadedFile('Status.plist', `${UDID}/Status.plist`, encodeBinaryPlist({ SnapshotState: 'finished', IsFullBackup: false })), u32(0)]));
          await readStatus(peer);
          send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
        }),
      );
      // `ab` went out as the answer made while the phone worked on `aa`; `ac`'s was dropped.
      expect(madeAhead).toHaveBeenCalledTimes(1);
    } finally {
      madeAhead.mockRestore();
    }
    const entry = (size: number): unknown => ({ DLFileType: 'DLFileTypeRegular', DLFileSize: size, DLFileModificationDate: expect.any(Date) });
    expect(listings.aa).toEqual({ aa01: entry(3) });
    expect(listings.ab).toEqual({ ab01: entry(7), [FILE_ID]: entry(16) });
    expect(listings.ac).toEqual({ ac02: entry(9) });
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

  /** Bytes that differ from file to file and along each file, so a reused buffer would show. */
  function patterned(size: number, seed: number): Buffer {
    const bytes = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += 1) bytes[offset] = (seed * 31 + offset * 7 + (offset >> 13)) & 0xff;
    return bytes;
  }

  /** An uploaded file in FILE_DATA blocks of `blockBytes` (§3.6.2), as a phone sends a video. */
  function uploadedInBlocks(deviceName: string, destination: string, content: Buffer, blockBytes: number): Buffer {
    const parts = [streamName(deviceName), streamName(destination)];
    for (let offset = 0; offset < content.length; offset += blockBytes) {
      const block = content.subarray(offset, offset + blockBytes);
      parts.push(u32(block.length + 1), Buffer.from([0x0c]), block);
    }
    parts.push(u32(1), Buffer.from([0x00]));
    return Buffer.concat(parts);
  }

  const MIB = 1024 * 1024;
  const bigFiles = [8 * MIB, 8 * MIB + 1, 21 * MIB + 12_345, 3 * MIB + 7].map((size, index) => ({
    id: `cd${String(index).padStart(38, '0')}`,
    content: patterned(size, index + 1),
  }));

  function uploadBigFiles(peer: ScriptedPeer): void {
    send(peer, ['DLMessageUploadFiles', {}, new PlistReal(50), 0]);
    // Blocks of odd sizes, written in odd pieces, so buffers fill across block edges.
    const stream = Buffer.concat([...bigFiles.map((file, index) => uploadedInBlocks(`MediaDomain-v${index}`, `${UDID}/cd/${file.id}`, file.content, 300_001 + index * 77_777)), u32(0)]);
    for (let offset = 0; offset < stream.length; offset += 1_000_003) peer.socket.write(stream.subarray(offset, offset + 1_000_003));
  }

  it('streams files past 8 MiB to disk byte for byte, gathering them in reused buffers', async () => {
    let uploadStatus: unknown;
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        send(peer, ['DLMessageCreateDirectory', `${UDID}/cd`]);
        await readStatus(peer);
        uploadBigFiles(peer);
        uploadStatus = await readStatus(peer);
        send(peer, ['DLMessageUploadFiles', {}, new PlistReal(100), 0]);
        peer.socket.write(Buffer.concat([uploadedFile('Status.plist', `${UDID}/Status.plist`, encodeBinaryPlist({ SnapshotState: 'finished', IsFullBackup: false })), u32(0)]));
        await readStatus(peer);
        send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
      }),
    );
    expect(uploadStatus).toEqual(['DLMessageStatusResponse', 0, EMPTY, {}]);
    for (const file of bigFiles) {
      expect(fs.readFileSync(path.join(folder, 'cd', file.id)).equals(file.content), file.id).toBe(true);
    }
  });

  it('stops on a disk that fills in the middle of a big file, leaving the previous backup as it was', async () => {
    const before = hashTree(folder);
    let written = 0;
    const fillsUp: StoreFs = {
      ...nodeStoreFs,
      async createFile(target) {
        const file = await nodeStoreFs.createFile(target);
        return {
          async write(chunk) {
            written += chunk.length;
            if (written > 12 * MIB) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            await file.write(chunk);
          },
          commit: () => file.commit(),
          abort: () => file.abort(),
        };
      },
    };
    let uploadStatus: PlistValue[] | undefined;
    const error = await runBackupWith(
      { udid: UDID, backupRoot: root, storeFs: fillsUp },
      scriptedSession(async (peer) => {
        send(peer, ['DLMessageCreateDirectory', `${UDID}/cd`]);
        await readStatus(peer);
        uploadBigFiles(peer);
        uploadStatus = (await readStatus(peer)) as PlistValue[];
        send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
      }),
    ).catch((caught: unknown) => caught);
    expect(uploadStatus?.slice(0, 2)).toEqual(['DLMessageStatusResponse', -15]);
    expect(error).toMatchObject({ code: 'disk-full' });
    expect(hashTree(folder)).toEqual(before);
    // The failed run's staging copy is gone with its half-written video.
    const staging = path.join(root, '.lifeboat', 'staging');
    expect(fs.existsSync(staging) ? fs.readdirSync(staging) : []).toEqual([]);
  });
});
