import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { nodeStoreFs, type StoreFs, type WholeFileWriter } from '../../src/main/backup/store';
import { PlistReal, type PlistValue, encodeBinaryPlist } from '../../src/main/device/codec';
import type { ScriptedPeer } from '../../src/main/device/services/test-support/channel-pair';
import { UDID, readStatus, scriptedSession, send, u32, uploadedFile } from './engine-scripted-device';
import { wrapWriter } from './writer-wrapper';

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(38, '0')}`;

/** DLMessageMoveItems (§3.6.7): batches of independent moves run side by side, dependent ones in order. */
describe('MoveItems', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    const folder = path.join(root, UDID);
    fs.mkdirSync(path.join(folder, 'ee', 'inner'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'ee', 'inner', 'old'), 'old');
    fs.mkdirSync(path.join(folder, 'dd'));
    fs.symlinkSync(outside, path.join(folder, 'dd', 'link'));
    fs.writeFileSync(path.join(folder, 'Status.plist'), encodeBinaryPlist({ SnapshotState: 'finished', Date: new Date('2025-01-02T03:04:05Z') }));
  });

  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  async function finish(peer: ScriptedPeer): Promise<void> {
    send(peer, ['DLMessageUploadFiles', {}, new PlistReal(100), 0]);
    peer.socket.write(Buffer.concat([uploadedFile('Status.plist', `${UDID}/Status.plist`, encodeBinaryPlist({ SnapshotState: 'finished', IsFullBackup: true })), u32(0)]));
    await readStatus(peer);
    send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
  }

  async function upload(peer: ScriptedPeer, files: ReadonlyArray<readonly [string, string]>): Promise<PlistValue[]> {
    send(peer, ['DLMessageUploadFiles', {}, new PlistReal(10), 0]);
    peer.socket.write(Buffer.concat([...files.map(([destination, content]) => uploadedFile('HomeDomain-x', `${UDID}/${destination}`, Buffer.from(content))), u32(0)]));
    return readStatus(peer);
  }

  /** One MoveItems taking each uploaded `Snapshot/…` file to its place, as a phone ends a backup. */
  function moveOutOfSnapshot(peer: ScriptedPeer, files: ReadonlyArray<readonly [string, string]>): void {
    const moves: Record<string, string> = {};
    for (const [from] of files) moves[`${UDID}/${from}`] = `${UDID}/${from.replace('Snapshot/', '')}`;
    send(peer, ['DLMessageMoveItems', moves, {}, new PlistReal(90)]);
  }

  it('moves a batch of 200 files into place, replaces a folder at a destination, and runs chained moves in order', async () => {
    const replies: PlistValue[][] = [];
    const result = await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        const files = Array.from({ length: 200 }, (_, n) => [`Snapshot/${id(n % 2 ? 'aa' : 'bb', n).slice(0, 2)}/${id(n % 2 ? 'aa' : 'bb', n)}`, `content ${n}`] as const);
        replies.push(await upload(peer, [...files, ['Snapshot/folder-replacer', 'was a folder']]));
        const moves: Record<string, string> = {};
        for (const [from] of files) moves[`${UDID}/${from}`] = `${UDID}/${from.replace('Snapshot/', '')}`;
        moves[`${UDID}/Snapshot/folder-replacer`] = `${UDID}/ee`;
        send(peer, ['DLMessageMoveItems', moves, {}, new PlistReal(90)]);
        replies.push(await readStatus(peer));
        // b → c, then a → b: only right when done in the order given.
        replies.push(await upload(peer, [['chain/a', 'A'], ['chain/b', 'B']]));
        send(peer, ['DLMessageMoveItems', { [`${UDID}/chain/b`]: `${UDID}/chain/c`, [`${UDID}/chain/a`]: `${UDID}/chain/b` }, {}, new PlistReal(95)]);
        replies.push(await readStatus(peer));
        // A missing source answers ENOENT's code (-6) and the run goes on.
        send(peer, ['DLMessageMoveItems', { [`${UDID}/Snapshot/nothing`]: `${UDID}/nothing` }, {}, new PlistReal(96)]);
        replies.push(await readStatus(peer));
        await finish(peer);
      }),
    );
    expect(replies.map((reply) => reply[1])).toEqual([0, 0, 0, 0, -6]);
    for (let n = 0; n < 200; n += 1) {
      const fileId = id(n % 2 ? 'aa' : 'bb', n);
      expect(fs.readFileSync(path.join(result.folder, fileId.slice(0, 2), fileId), 'utf8')).toBe(`content ${n}`);
    }
    expect(fs.readFileSync(path.join(result.folder, 'ee'), 'utf8')).toBe('was a folder');
    expect(fs.readFileSync(path.join(result.folder, 'chain', 'c'), 'utf8')).toBe('B');
    expect(fs.readFileSync(path.join(result.folder, 'chain', 'b'), 'utf8')).toBe('A');
    expect(fs.existsSync(path.join(result.folder, 'chain', 'a'))).toBe(false);
  });

  it('lets a move of a folder wait for the renames into it that an earlier request left running', async () => {
    const replies: PlistValue[][] = [];
    const files = Array.from({ length: 400 }, (_, n) => [`Snapshot/aa/${id('aa', n)}`, `content ${n}`] as const);
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        replies.push(await upload(peer, files));
        // Answered at once, its renames still running on a writer thread...
        moveOutOfSnapshot(peer, files);
        replies.push(await readStatus(peer));
        // ...when the folder they go into is moved.
        send(peer, ['DLMessageMoveItems', { [`${UDID}/aa`]: `${UDID}/cc` }, {}, new PlistReal(95)]);
        replies.push(await readStatus(peer));
        await finish(peer);
      }),
    );
    expect(replies.map((reply) => reply[1])).toEqual([0, 0, 0]);
    const folder = path.join(root, UDID);
    expect(fs.existsSync(path.join(folder, 'aa'))).toBe(false);
    expect(fs.readdirSync(path.join(folder, 'cc'))).toHaveLength(400);
    expect(fs.readFileSync(path.join(folder, 'cc', id('aa', 399)), 'utf8')).toBe('content 399');
  });

  it('lets the event loop run while it queues the renames of one MoveItems naming 1,100 files', async () => {
    const count = 1_100;
    const files = Array.from({ length: count }, (_, n) => [`Snapshot/${id(n % 2 ? 'aa' : 'bb', n).slice(0, 2)}/${id(n % 2 ? 'aa' : 'bb', n)}`, `content ${n}`] as const);
    let renames = 0;
    let turned = false;
    let turnedBeforeLast: boolean | undefined;
    // The real writer, watched: did a turn of the event loop come between the third rename (both
    // destination folders are checked by then, which may wait for the disk) and the last? The
    // engine runs in the app's main process, whose window needs those turns.
    const storeFs: StoreFs = {
      ...nodeStoreFs,
      openWholeFileWriter(known): WholeFileWriter {
        const real = nodeStoreFs.openWholeFileWriter(known);
        return wrapWriter(real, {
          rename(from, to) {
            renames += 1;
            if (renames === 3) setImmediate(() => void (turned = true));
            if (renames === count) turnedBeforeLast = turned;
            return real.rename(from, to);
          },
        });
      },
    };
    const replies: PlistValue[][] = [];
    const result = await runBackupWith(
      { udid: UDID, backupRoot: root, storeFs },
      scriptedSession(async (peer) => {
        replies.push(await upload(peer, files));
        moveOutOfSnapshot(peer, files);
        replies.push(await readStatus(peer));
        await finish(peer);
      }),
    );
    expect(replies.map((reply) => reply[1])).toEqual([0, 0]);
    expect(renames).toBe(count);
    expect(turnedBeforeLast).toBe(true);
    for (const n of [0, count / 2, count - 1]) {
      const fileId = id(n % 2 ? 'aa' : 'bb', n);
      expect(fs.readFileSync(path.join(result.folder, fileId.slice(0, 2), fileId), 'utf8')).toBe(`content ${n}`);
    }
  });

  it('refuses a move from or through a planted link before moving anything, and later uploads still see links', async () => {
    let caught: unknown;
    try {
      await runBackupWith(
        { udid: UDID, backupRoot: root },
        scriptedSession(async (peer) => {
          await upload(peer, [['Snapshot/ok', 'fine']]);
          send(peer, ['DLMessageMoveItems', { [`${UDID}/Snapshot/ok`]: `${UDID}/ok`, [`${UDID}/dd/link`]: `${UDID}/zz` }, {}, new PlistReal(90)]);
          await readStatus(peer);
        }),
      );
    } catch (error) {
      caught = error;
    }
    expect(isBackupError(caught) && caught.code).toBe('hostile-path');
    caught = undefined;
    try {
      await runBackupWith(
        { udid: UDID, backupRoot: root },
        scriptedSession(async (peer) => {
          // Moving the folder that holds the link is allowed; writing through the link afterwards is not.
          await upload(peer, [['yy/first', '1']]);
          send(peer, ['DLMessageRemoveItems', [`${UDID}/yy`], {}, new PlistReal(50)]);
          await readStatus(peer);
          send(peer, ['DLMessageMoveItems', { [`${UDID}/dd`]: `${UDID}/yy` }, {}, new PlistReal(60)]);
          await readStatus(peer);
          await upload(peer, [['yy/link/pwned', 'pwned']]);
        }),
      );
    } catch (error) {
      caught = error;
    }
    expect(isBackupError(caught) && caught.code).toBe('hostile-path');
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readdirSync(path.join(root, UDID)).sort()).toEqual(['Status.plist', 'dd', 'ee']);
  });
});
