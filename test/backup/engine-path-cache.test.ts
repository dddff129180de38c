import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/main/backup/engine/backup-progress';
import { type DriveContext, newDriveStats } from '../../src/main/backup/engine/drive-context';
import { DRIVE_HANDLERS } from '../../src/main/backup/engine/drive-handlers';
import { runDriveLoop } from '../../src/main/backup/engine/drive-loop';
import { GatherBuffers } from '../../src/main/backup/engine/gathered-content';
import { ListingAhead } from '../../src/main/backup/engine/listing-ahead';
import { PlacedAhead } from '../../src/main/backup/engine/placed-ahead';
import { BackgroundFileWriter, ConfinedPaths, TEMP_PREFIX, nodeStoreFs } from '../../src/main/backup/store';
import { PlistReal, type PlistValue } from '../../src/main/device/codec';
import { DeviceLinkClient, type DeviceLinkMessage } from '../../src/main/device/services';
import { type ScriptedPeer, channelPair } from '../../src/main/device/services/test-support/channel-pair';
import { readDownloadStream, readStatus, send, u32, uploadedFile } from './engine-scripted-device';

/**
 * The path cache (ConfinedPaths.known, store/known-tree.ts) must hold only true facts after every
 * DeviceLink request a backup can get, or a link planted by a remove-then-upload could be walked
 * through unchecked. This walks every request kind the engine handles (DRIVE_HANDLERS, which the
 * type system keeps complete), each one aimed at what the cache knows, and compares the cache with
 * the disk after each, once the request's background work is done (the loop settles it before
 * any request that relies on it). A new request kind fails the first test until it gets a step here.
 */

const U = 'U';
/** Kinds the loop refuses mid-backup (the run ends), so they cannot change the tree. */
const ENDS_THE_RUN = new Set(['DLMessageVersionExchange', 'DLMessageDeviceReady']);

type Step = (peer: ScriptedPeer) => Promise<void>;

/** The requests sent so far, in order, for naming what each check followed. */
const sent: string[] = [];

function sendRequest(peer: ScriptedPeer, message: PlistValue[]): void {
  sent.push(String(message[0]));
  send(peer, message);
}

async function upload(peer: ScriptedPeer, files: ReadonlyArray<readonly [string, string]>): Promise<void> {
  sendRequest(peer, ['DLMessageUploadFiles', {}, new PlistReal(10), 0]);
  peer.socket.write(Buffer.concat([...files.map(([destination, content]) => uploadedFile('HomeDomain-x', `${U}/${destination}`, Buffer.from(content))), u32(0)]));
  expect((await readStatus(peer))[1]).toBe(0);
}

async function request(peer: ScriptedPeer, message: PlistValue[]): Promise<PlistValue[]> {
  sendRequest(peer, message);
  return readStatus(peer);
}

/**
 * One step per request kind. A step that changes the tree first uploads into what it changes,
 * so the cache knows those folders and files (an earlier step may have emptied it).
 */
const STEPS: Record<string, Step> = {
  DLMessageUploadFiles: (peer) => upload(peer, [['aa/one', '1'], ['bb/two', '2']]),
  DLMessageCreateDirectory: async (peer) => {
    expect((await request(peer, ['DLMessageCreateDirectory', `${U}/jj/kk`]))[1]).toBe(0);
  },
  DLContentsOfDirectory: async (peer) => {
    expect((await request(peer, ['DLContentsOfDirectory', `${U}/aa`]))[1]).toBe(0);
  },
  DLMessageGetFreeDiskSpace: async (peer) => {
    expect((await request(peer, ['DLMessageGetFreeDiskSpace']))[1]).toBe(0);
  },
  DLMessagePurgeDiskSpace: async (peer) => {
    await request(peer, ['DLMessagePurgeDiskSpace', 1000, 0]);
  },
  DLMessageDownloadFiles: async (peer) => {
    sendRequest(peer, ['DLMessageDownloadFiles', [`${U}/aa/one`], {}, new PlistReal(24)]);
    expect((await readDownloadStream(peer)).map((file) => file.content.toString())).toEqual(['1']);
    await readStatus(peer);
  },
  unknown: async (peer) => {
    expect((await request(peer, ['DLMessageSomethingNew', `${U}/aa`]))[1]).not.toBe(0);
  },
  // Own files renamed over own files: the cache must follow them (and keep what it knew: speed).
  DLMessageMoveFiles: async (peer) => {
    await upload(peer, [['gg/five', '5'], ['gg/other', 'o']]);
    expect((await request(peer, ['DLMessageMoveFiles', { [`${U}/gg/five`]: `${U}/gg/six`, [`${U}/gg/other`]: `${U}/gg/seven` }, {}, new PlistReal(30)]))[1]).toBe(0);
  },
  // A folder moved away; then an own file renamed over a folder the cache knows (on the writer's thread).
  DLMessageMoveItems: async (peer) => {
    await upload(peer, [['ee/four', '4'], ['ee/deeper/more', 'm']]);
    expect((await request(peer, ['DLMessageMoveItems', { [`${U}/ee`]: `${U}/ff` }, {}, new PlistReal(31)]))[1]).toBe(0);
    await upload(peer, [['hh/seven', '7'], ['ii/x/eight', '8']]);
    expect((await request(peer, ['DLMessageMoveItems', { [`${U}/hh/seven`]: `${U}/ii/x` }, {}, new PlistReal(32)]))[1]).toBe(0);
  },
  // A file copied over a known folder (and the own file inside it).
  DLMessageCopyItem: async (peer) => {
    await upload(peer, [['cc/d/three', '3'], ['cc/source', 's']]);
    expect((await request(peer, ['DLMessageCopyItem', `${U}/cc/source`, `${U}/cc/d`]))[1]).toBe(0);
  },
  DLMessageRemoveFiles: async (peer) => {
    await upload(peer, [['bb/two', '2']]);
    expect((await request(peer, ['DLMessageRemoveFiles', [`${U}/bb/two`], {}, new PlistReal(50)]))[1]).toBe(0);
  },
  // A known folder and the own file in it removed; the test then plants a link where it was.
  DLMessageRemoveItems: async (peer) => {
    await upload(peer, [['aa/one', '1']]);
    expect((await request(peer, ['DLMessageRemoveItems', [`${U}/aa`], {}, new PlistReal(51)]))[1]).toBe(0);
  },
};

/** What the cache claims that the disk does not show: empty when the cache is true. */
function untrueFacts(paths: ConfinedPaths): string[] {
  const { folders, ownFiles } = paths.known.snapshot();
  const lie: string[] = [];
  for (const folder of folders) {
    const stat = fs.lstatSync(folder, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isDirectory()) lie.push(`folder ${path.relative(paths.base, folder)}`);
  }
  for (const file of ownFiles) {
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile()) lie.push(`own file ${path.relative(paths.base, file)}`);
  }
  return lie;
}

/** A DeviceLink whose next receive first runs `beforeNext`: by then the loop has fully served the previous request. */
class ObservedDeviceLink extends DeviceLinkClient {
  beforeNext: (() => Promise<void>) | undefined;

  override async receiveMessage(timeoutMs?: number): Promise<DeviceLinkMessage> {
    await this.beforeNext?.();
    return super.receiveMessage(timeoutMs);
  }
}

describe('the path cache after every DeviceLink request kind', () => {
  let base: string;
  let writer: BackgroundFileWriter;

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-path-cache-'));
  });

  afterAll(async () => {
    await writer?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('has a step for every kind the engine handles', () => {
    const handled = Object.keys(DRIVE_HANDLERS).filter((kind) => !ENDS_THE_RUN.has(kind));
    expect(Object.keys(STEPS).sort()).toEqual(handled.sort());
  });

  it('holds only true facts after each request, and keeps what is still true after uploads and file moves', async () => {
    const folder = path.join(base, U);
    fs.mkdirSync(path.join(folder, 'dd'), { recursive: true });
    const paths = new ConfinedPaths(U, folder);
    writer = new BackgroundFileWriter({ tempPrefix: TEMP_PREFIX, known: paths.known });
    const { host, peer } = channelPair();
    const deviceLink = new ObservedDeviceLink(host);
    const context: DriveContext = {
      deviceLink,
      paths,
      listingAhead: new ListingAhead(),
      storeFs: nodeStoreFs,
      fileWriter: writer,
      placedAhead: new PlacedAhead(folder, { enabled: true }),
      gatherBuffers: new GatherBuffers(),
      progress: new ProgressTracker(undefined),
      uploadFilter: undefined,
      beforeMove: undefined,
      stats: newDriveStats(),
    };
    const checks: Array<{ after: string; untrue: string[] }> = [];
    deviceLink.beforeNext = async () => {
      // What the loop would settle before a request that reads the tree.
      await writer.settle();
      checks.push({ after: checks.length === 0 ? 'start' : (sent[checks.length - 1] as string), untrue: untrueFacts(paths) });
    };
    const loop = runDriveLoop(context);
    // A loop that fails early (a stale cache can make a later request fail) ends the test at once.
    const loopEnded = loop.then(
      () => Promise.reject(new Error('The DL loop ended before the last step.')),
      (error: unknown) => Promise.reject(error),
    );
    loopEnded.catch(() => undefined);
    for (const [kind, step] of Object.entries(STEPS)) {
      await Promise.race([step(peer), loopEnded]);
      if (kind === 'DLMessageMoveFiles') {
        // Renaming our own files keeps the cache (else every move batch would cost an lstat per folder).
        expect(paths.known.isOwnFile(path.join(folder, 'gg', 'six'))).toBe(true);
        expect(paths.known.hasFolder(path.join(folder, 'gg'))).toBe(true);
      }
    }
    // The removed folder comes back as a link to elsewhere: an upload into it must be refused.
    const outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(folder, 'aa'));
    sendRequest(peer, ['DLMessageUploadFiles', {}, new PlistReal(60), 0]);
    peer.socket.write(Buffer.concat([uploadedFile('HomeDomain-x', `${U}/aa/again`, Buffer.from('x')), u32(0)]));
    const outcome = await Promise.race([loop.then(() => 'ended', (error: unknown) => error), readStatus(peer).then(() => 'answered')]);
    expect(outcome).toMatchObject({ code: 'hostile-path' });
    host.close();
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(checks.filter((check) => check.untrue.length > 0)).toEqual([]);
    // One check at the start and one after every request but the refused upload.
    expect(checks.map((check) => check.after)).toEqual(['start', ...sent.slice(0, -1)]);
    expect(new Set(sent.slice(0, -1).map((name) => (name in DRIVE_HANDLERS ? name : 'unknown')))).toEqual(new Set(Object.keys(STEPS)));
  });
});
