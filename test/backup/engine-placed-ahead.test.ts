import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { PlistReal, type PlistValue, encodeBinaryPlist } from '../../src/main/device/codec';
import type { ScriptedPeer } from '../../src/main/device/services/test-support/channel-pair';
import { UDID, readDownloadStream, readStatus, scriptedSession, send, streamName, u32, uploadedFile } from './engine-scripted-device';

const ID = 'aa0123456789abcdef0123456789abcdef012345';
const ID2 = 'aa9876543210fedcba9876543210fedcba987654';
const ID3 = 'aa00000000000000000000000000000000000003';

/**
 * Uploads placed ahead (engine/placed-ahead.ts): a full backup's `Snapshot/xx/<id>` uploads are
 * written at `xx/<id>`, so the MoveItems that follows renames nothing; whatever else the phone
 * asks sees its own names.
 */
describe('uploads placed where their moves put them', () => {
  let base: string;
  let root: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-placed-'));
    root = path.join(base, 'root');
    fs.mkdirSync(root);
  });

  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  /** The run's staging folder (`<root>/.lifeboat/staging/<UDID>-<run>`), while the run is going. */
  const staging = (): string => {
    const parent = path.join(root, '.lifeboat', 'staging');
    return path.join(parent, fs.readdirSync(parent)[0] as string);
  };

  /** §7.2 step 7 for one content folder, as the phone makes them before any upload. */
  async function makeFolders(peer: ScriptedPeer): Promise<void> {
    for (const folder of [UDID, `${UDID}/aa`, `${UDID}/Snapshot`, `${UDID}/Snapshot/aa`]) {
      send(peer, ['DLMessageCreateDirectory', folder]);
      await readStatus(peer);
    }
  }

  async function upload(peer: ScriptedPeer, files: ReadonlyArray<readonly [string, string]>): Promise<PlistValue[]> {
    send(peer, ['DLMessageUploadFiles', {}, new PlistReal(10), 0]);
    peer.socket.write(Buffer.concat([...files.map(([destination, content]) => uploadedFile('HomeDomain-x', `${UDID}/${destination}`, Buffer.from(content))), u32(0)]));
    return readStatus(peer);
  }

  async function move(peer: ScriptedPeer, moves: Record<string, string>): Promise<PlistValue[]> {
    const named: Record<string, string> = {};
    for (const [from, to] of Object.entries(moves)) named[`${UDID}/${from}`] = `${UDID}/${to}`;
    send(peer, ['DLMessageMoveItems', named, {}, new PlistReal(90)]);
    return readStatus(peer);
  }

  async function finish(peer: ScriptedPeer): Promise<void> {
    send(peer, ['DLMessageUploadFiles', {}, new PlistReal(100), 0]);
    peer.socket.write(Buffer.concat([uploadedFile('Status.plist', `${UDID}/Status.plist`, encodeBinaryPlist({ SnapshotState: 'finished', IsFullBackup: true })), u32(0)]));
    await readStatus(peer);
    send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
  }

  const exists = (file: string): boolean => fs.existsSync(file);

  /** Where an upload the phone was told about landed (a writer thread writes it soon after): waits until it is in one place. */
  async function landed(id: string): Promise<'destination' | 'snapshot'> {
    for (;;) {
      if (exists(path.join(staging(), 'aa', id))) return 'destination';
      if (exists(path.join(staging(), 'Snapshot', 'aa', id))) return 'snapshot';
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('writes a Snapshot upload at its destination and answers its move without renaming it', async () => {
    const seen: Record<string, unknown> = {};
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        seen.upload = (await upload(peer, [[`Snapshot/aa/${ID}`, 'first'], [`Snapshot/aa/${ID2}`, 'second']]))[1];
        seen.landed = await landed(ID);
        // Once the upload is answered its file may still be on a writer thread: the move's answer waits for nothing.
        seen.move = (await move(peer, { [`Snapshot/aa/${ID}`]: `aa/${ID}`, [`Snapshot/aa/${ID2}`]: `aa/${ID2}` }))[1];
        send(peer, ['DLContentsOfDirectory', `${UDID}/Snapshot/aa`]);
        seen.snapshotListing = (await readStatus(peer))[3];
        // What is on disk before the end, written by the time the listing was answered (the loop settles before it).
        seen.atDestination = exists(path.join(staging(), 'aa', ID)) && exists(path.join(staging(), 'aa', ID2));
        seen.inSnapshot = exists(path.join(staging(), 'Snapshot', 'aa', ID));
        await finish(peer);
      }),
    );
    expect(seen).toEqual({ upload: 0, landed: 'destination', move: 0, snapshotListing: {}, atDestination: true, inSnapshot: false });
    expect(fs.readFileSync(path.join(root, UDID, 'aa', ID), 'utf8')).toBe('first');
    expect(fs.readFileSync(path.join(root, UDID, 'aa', ID2), 'utf8')).toBe('second');
  });

  it('shows the phone its own names to anything but those moves, and places nothing after another kind of move', async () => {
    const seen: Record<string, unknown> = {};
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        await upload(peer, [[`Snapshot/aa/${ID}`, 'first']]);
        seen.placed = await landed(ID);
        send(peer, ['DLContentsOfDirectory', `${UDID}/Snapshot/aa`]);
        seen.snapshotListing = Object.keys((await readStatus(peer))[3] as object);
        send(peer, ['DLContentsOfDirectory', `${UDID}/aa`]);
        seen.contentListing = Object.keys((await readStatus(peer))[3] as object);
        send(peer, ['DLMessageDownloadFiles', [`${UDID}/Snapshot/aa/${ID}`], {}, new PlistReal(1), 0]);
        seen.downloaded = (await readDownloadStream(peer)).map((file) => file.content.toString('utf8'));
        await readStatus(peer);
        // Still placed after reads; a move somewhere else than its destination is done as asked.
        await upload(peer, [[`Snapshot/aa/${ID2}`, 'second']]);
        seen.move = (await move(peer, { [`Snapshot/aa/${ID2}`]: `elsewhere/${ID2}` }))[1];
        await upload(peer, [[`Snapshot/aa/${ID3}`, 'third']]);
        seen.afterMove = await landed(ID3);
        send(peer, ['DLMessageRemoveItems', [`${UDID}/Snapshot`], {}, new PlistReal(99)]);
        await readStatus(peer);
        await finish(peer);
      }),
    );
    expect(seen).toEqual({ placed: 'destination', snapshotListing: [ID], contentListing: [], downloaded: ['first'], move: 0, afterMove: 'snapshot' });
    expect(fs.readFileSync(path.join(root, UDID, 'elsewhere', ID2), 'utf8')).toBe('second');
    // Never moved out of Snapshot, which the phone then removed: in neither place.
    expect(exists(path.join(root, UDID, 'aa', ID))).toBe(false);
    expect(exists(path.join(root, UDID, 'aa', ID2))).toBe(false);
    expect(exists(path.join(root, UDID, 'aa', ID3))).toBe(false);
    expect(exists(path.join(root, UDID, 'Snapshot'))).toBe(false);
  });

  it('puts a placed file back before an upload to its destination, and leaves an unmoved one in Snapshot', async () => {
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        await upload(peer, [[`Snapshot/aa/${ID}`, 'from snapshot'], [`Snapshot/aa/${ID2}`, 'never moved']]);
        await upload(peer, [[`aa/${ID}`, 'direct']]);
        await move(peer, { [`Snapshot/aa/${ID}`]: `aa/${ID}` });
        await finish(peer);
      }),
    );
    expect(fs.readFileSync(path.join(root, UDID, 'aa', ID), 'utf8')).toBe('from snapshot');
    expect(fs.readFileSync(path.join(root, UDID, 'Snapshot', 'aa', ID2), 'utf8')).toBe('never moved');
    expect(exists(path.join(root, UDID, 'aa', ID2))).toBe(false);
  });
  /** One file of an upload stream that the phone reports failed (REMOTE_ERROR, §3.6.2). */
  const failedUpload = (destination: string): Buffer => {
    const message = Buffer.from('could not read the file', 'utf8');
    return Buffer.concat([streamName('HomeDomain-x'), streamName(`${UDID}/${destination}`), u32(message.length + 1), Buffer.from([0x0b]), message]);
  };

  it('forgets an upload the phone reported failed: the backup still succeeds and a move of that file is refused', async () => {
    const seen: Record<string, unknown> = {};
    const result = await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        send(peer, ['DLMessageUploadFiles', {}, new PlistReal(10), 0]);
        peer.socket.write(Buffer.concat([uploadedFile('HomeDomain-x', `${UDID}/Snapshot/aa/${ID}`, Buffer.from('good')), failedUpload(`Snapshot/aa/${ID2}`), u32(0)]));
        await readStatus(peer);
        seen.goodMove = (await move(peer, { [`Snapshot/aa/${ID}`]: `aa/${ID}` }))[1];
        // A move of the file that never arrived finds no source (§3.6.7), as without placing.
        seen.failedMove = (await move(peer, { [`Snapshot/aa/${ID2}`]: `aa/${ID2}` }))[1];
        await finish(peer);
      }),
    );
    expect(seen.goodMove).toBe(0);
    expect(seen.failedMove).not.toBe(0);
    expect(result.filesFailedOnDevice).toEqual([`${UDID}/Snapshot/aa/${ID2}`]);
    expect(fs.readFileSync(path.join(root, UDID, 'aa', ID), 'utf8')).toBe('good');
    expect(exists(path.join(root, UDID, 'aa', ID2))).toBe(false);
  });

  it('after a put-back, a move of the file left at the destination by an earlier backup takes that file, not the upload', async () => {
    // An earlier backup holding aa/ID.
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        await upload(peer, [[`Snapshot/aa/${ID}`, 'old']]);
        await move(peer, { [`Snapshot/aa/${ID}`]: `aa/${ID}` });
        await finish(peer);
      }),
    );
    const seen: Record<string, unknown> = {};
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        await upload(peer, [[`Snapshot/aa/${ID}`, 'new']]);
        // A listing puts the placed file back under its upload name.
        send(peer, ['DLContentsOfDirectory', `${UDID}/aa`]);
        await readStatus(peer);
        seen.keep = (await move(peer, { [`aa/${ID}`]: `kept-${ID}` }))[1];
        seen.move = (await move(peer, { [`Snapshot/aa/${ID}`]: `aa/${ID}` }))[1];
        await finish(peer);
      }),
    );
    expect(seen).toEqual({ keep: 0, move: 0 });
    expect(fs.readFileSync(path.join(root, UDID, `kept-${ID}`), 'utf8')).toBe('old');
    expect(fs.readFileSync(path.join(root, UDID, 'aa', ID), 'utf8')).toBe('new');
  });
  it('puts placed files back before an upload that could alias one on a disk that ignores case', async () => {
    const seen: Record<string, unknown> = {};
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        await upload(peer, [[`Snapshot/aa/${ID}`, 'first']]);
        seen.placed = await landed(ID);
        // On macOS or Windows AA/<id> is aa/<id>, the placed file: it must be back under its upload name first.
        await upload(peer, [[`AA/${ID}`, 'upper']]);
        seen.afterUpper = exists(path.join(staging(), 'Snapshot', 'aa', ID)) && !exists(path.join(staging(), 'aa', ID));
        await upload(peer, [[`Snapshot/aa/${ID2}`, 'second']]);
        seen.notPlacedAfter = await landed(ID2);
        await finish(peer);
      }),
    );
    expect(seen).toEqual({ placed: 'destination', afterUpper: true, notPlacedAfter: 'snapshot' });
  });

  it('a second upload of a name still placed after placing stopped replaces the first, as the phone sent it', async () => {
    await runBackupWith(
      { udid: UDID, backupRoot: root },
      scriptedSession(async (peer) => {
        await makeFolders(peer);
        await upload(peer, [[`Snapshot/aa/${ID}`, 'first'], [`Snapshot/aa/${ID2}`, 'other']]);
        // A claimed move stops placing; ID stays placed.
        await move(peer, { [`Snapshot/aa/${ID2}`]: `aa/${ID2}` });
        await upload(peer, [[`Snapshot/aa/${ID}`, 'second']]);
        await move(peer, { [`Snapshot/aa/${ID}`]: `aa/${ID}` });
        await finish(peer);
      }),
    );
    expect(fs.readFileSync(path.join(root, UDID, 'aa', ID), 'utf8')).toBe('second');
    expect(fs.readFileSync(path.join(root, UDID, 'aa', ID2), 'utf8')).toBe('other');
  });
});
