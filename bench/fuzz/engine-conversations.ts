import fs from 'node:fs';
import path from 'node:path';
import type { BackupDeviceSession } from '../../src/main/backup/engine/device-session';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { encodeBinaryPlist, encodePlistFrame, PlistReal, type PlistValue, readFrame, readPlistFrame } from '../../src/main/device/codec';
import { MobileBackup2Client } from '../../src/main/device/services';
import { channelPair, type ScriptedPeer } from '../../src/main/device/services/test-support/channel-pair';
import { mutateBytes } from './byte-mutations';
import type { FuzzRandom } from './fuzz-random';
import { HOSTILE_NAMES, mutatePlistValue } from './plist-mutations';

/**
 * Whole hostile backups: a scripted phone that, after the handshake (protocol.md §3.2, §3.3), sends
 * a few DeviceLink requests and mobilebackup2 upload streams (§3.6), some mutated and some naming
 * paths outside its folder, to the real engine (runBackupWith) writing into the case's own root.
 * The connection then ends, so every run finishes with a result or a BackupError.
 */
export const ENGINE_UDID = '00008110-000A1B2C3D4E801E';

export interface EngineCase {
  readonly generator: string;
  /** The bytes the phone sends after the Backup request, in order. */
  readonly chunks: readonly Buffer[];
  /**
   * The run starts from a previous backup with a folder `cd` that is a symbolic link to the
   * sentinel (plantPreviousBackup): staging starts empty, so only the previous backup has the
   * link, and an incremental commit renames into that backup.
   */
  readonly plantedLink: boolean;
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

/** One file record of an upload stream (§3.6.2): names, FILE_DATA, SUCCESS. */
function uploadRecord(deviceName: string, destination: string, content: Buffer): Buffer {
  return Buffer.concat([streamName(deviceName), streamName(destination), u32(content.length + 1), Buffer.from([0x0c]), content, u32(1), Buffer.from([0x00])]);
}

function message(value: PlistValue): Buffer {
  return encodePlistFrame(value, 'binary');
}

function fileId(random: FuzzRandom): string {
  return random.bytes(20).toString('hex');
}

/** A destination: usually a well-formed one, sometimes a hostile name inside or instead of it, or a path through the planted link. */
function destination(random: FuzzRandom, outside: string, plantedLink: boolean): string {
  if (plantedLink && random.chance(0.5)) return `${ENGINE_UDID}/cd/${random.pick(['secret.txt', 'pwned', `${fileId(random)}`, 'sub/pwned'])}`;
  if (random.chance(0.6)) {
    const id = fileId(random);
    return `${ENGINE_UDID}/${id.slice(0, 2)}/${id}`;
  }
  const hostile = random.chance(0.1) ? path.join(outside, 'pwned') : random.pick(HOSTILE_NAMES);
  return random.chance(0.6) ? `${ENGINE_UDID}/${hostile}` : hostile;
}

function statusFinished(isFullBackup: boolean): Buffer {
  return encodeBinaryPlist({ SnapshotState: 'finished', IsFullBackup: isFullBackup, Version: '3.3', BackupState: 'new', Date: new Date('2025-01-02T03:04:05Z'), UUID: 'FUZZ' });
}
const MANIFEST = encodeBinaryPlist({ IsEncrypted: false, Version: '10.0', Date: new Date('2025-01-02T03:04:05Z'), WasPasscodeSet: false, Lockdown: { ProductVersion: '17.5.1', UniqueDeviceID: ENGINE_UDID } });

export function engineCase(random: FuzzRandom, outside: string, options: { readonly plantedLink?: boolean } = {}): EngineCase {
  const chunks: Buffer[] = [];
  const plantedLink = options.plantedLink ?? random.chance(0.25);
  const generators: string[] = plantedLink ? ['planted-link'] : [];
  const steps = 1 + random.int(4);
  for (let step = 0; step < steps; step += 1) {
    const kind = random.int(10);
    if (kind < 4) {
      const files = 1 + random.int(3);
      const records = [];
      for (let index = 0; index < files; index += 1) {
        records.push(uploadRecord(`HomeDomain-Library/f${index}`, destination(random, outside, plantedLink), random.bytes(random.int(200))));
      }
      let stream: Buffer = Buffer.concat([...records, u32(0)]);
      if (random.chance(0.4)) {
        stream = mutateBytes(random, stream);
        generators.push('mutated-upload-stream');
      } else generators.push('upload');
      chunks.push(message(['DLMessageUploadFiles', {}, new PlistReal(0.5), 0]), stream);
    } else if (kind < 8) {
      const sample = random.pick<PlistValue>([
        ['DLMessageMoveItems', { [destination(random, outside, plantedLink)]: destination(random, outside, plantedLink) }, {}, new PlistReal(0.9)],
        ['DLMessageRemoveItems', [destination(random, outside, plantedLink)], {}, new PlistReal(1)],
        ['DLMessageCreateDirectory', destination(random, outside, plantedLink), {}, new PlistReal(0)],
        ['DLMessageCopyItem', destination(random, outside, plantedLink), destination(random, outside, plantedLink), {}, new PlistReal(0)],
        ['DLContentsOfDirectory', destination(random, outside, plantedLink), {}, new PlistReal(0)],
        ['DLMessageDownloadFiles', [destination(random, outside, plantedLink)], {}, new PlistReal(0), 0],
        ['DLMessageGetFreeDiskSpace', {}, new PlistReal(0)],
        ['DLMessagePurgeDiskSpace', 1_000_000, 1],
      ]);
      const mutate = random.chance(0.3);
      generators.push(mutate ? 'mutated-dl-message' : 'dl-message');
      chunks.push(message(mutate ? mutatePlistValue(random, sample) : sample));
    } else {
      // A backup that looks finished, so commit (§7.1 step 12) runs too.
      generators.push('finished-backup');
      chunks.push(...finishedBackup(random.chance(0.5)));
    }
  }
  // Behind a planted link the commit is what would follow it: an incremental one (a reverse delta) always ends the run.
  if (plantedLink) chunks.push(...finishedBackup(false));
  return { generator: [...new Set(generators)].sort().join('+'), chunks, plantedLink };
}

/** The end of a backup that looks finished: Status.plist and Manifest.plist, then success. */
function finishedBackup(isFullBackup: boolean): Buffer[] {
  return [
    message(['DLMessageUploadFiles', {}, new PlistReal(1), 0]),
    Buffer.concat([uploadRecord('Status.plist', `${ENGINE_UDID}/Status.plist`, statusFinished(isFullBackup)), uploadRecord('Manifest.plist', `${ENGINE_UDID}/Manifest.plist`, MANIFEST), u32(0)]),
    message(['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]),
  ];
}

/**
 * A finished previous backup in `<root>/<UDID>` whose folder `cd` is a symbolic link to `outside`,
 * as if someone had tampered with it. Made before the case is watched: the link's target is text.
 */
export function plantPreviousBackup(root: string, outside: string): void {
  const folder = path.join(root, ENGINE_UDID);
  fs.mkdirSync(path.join(folder, 'ab'), { recursive: true });
  fs.writeFileSync(path.join(folder, 'ab', `ab${'0'.repeat(38)}`), 'old content');
  fs.writeFileSync(path.join(folder, 'Status.plist'), statusFinished(true));
  fs.writeFileSync(path.join(folder, 'Manifest.plist'), MANIFEST);
  fs.symlinkSync(outside, path.join(folder, 'cd'));
}

/** Runs the conversation against the engine with `root` as the backup root. */
export async function runEngineCase(testCase: EngineCase, root: string, signal?: AbortSignal): Promise<unknown> {
  return runBackupWith({ udid: ENGINE_UDID, backupRoot: root, ...(signal ? { signal } : {}) }, () => scriptedSession(testCase.chunks));
}

async function scriptedSession(chunks: readonly Buffer[]): Promise<BackupDeviceSession> {
  const { host, peer } = channelPair();
  peer.socket.on('error', () => undefined);
  const device = (async () => {
    await handshake(peer);
    for (const chunk of chunks) peer.socket.write(chunk);
    peer.socket.end();
  })().catch(() => undefined);
  const backup = await MobileBackup2Client.connect(host);
  return {
    udid: ENGINE_UDID,
    facts: { willEncrypt: false, usedBytes: undefined },
    description: { udid: ENGINE_UDID, root: { DeviceName: 'Fuzz' }, itunesSettings: undefined, minITunesVersion: undefined, itunesFiles: new Map(), booksData: undefined, apps: [] },
    backup,
    notifications: { onNotification: () => () => undefined },
    takeSyncLock: async () => undefined,
    releaseSyncLock: async () => undefined,
    close: async () => {
      host.close();
      await device;
    },
  };
}

async function handshake(peer: ScriptedPeer): Promise<void> {
  peer.socket.write(message(['DLMessageVersionExchange', 400, 0]));
  await readPlistFrame(peer.reader);
  peer.socket.write(message(['DLMessageDeviceReady']));
  await readFrame(peer.reader);
  peer.socket.write(message(['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(2.1) }]));
  await readFrame(peer.reader); // the Backup request
}
