import type { BackupDeviceSession, OpenSessionOptions } from '../../src/main/backup/engine/device-session';
import { type PlistValue, PlistReal, encodePlistFrame, readFrame, readPlistFrame } from '../../src/main/device/codec';
import { MobileBackup2Client } from '../../src/main/device/services';
import { type ScriptedPeer, channelPair } from '../../src/main/device/services/test-support/channel-pair';

/** A device the test scripts message by message (protocol.md §3), for runBackupWith. */
export const UDID = '00008110-000A1B2C3D4E801E';

export function send(peer: ScriptedPeer, value: PlistValue): void {
  peer.socket.write(encodePlistFrame(value, 'binary'));
}

export function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

export function streamName(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
}

/** One file of a DLMessageUploadFiles stream (§3.6.2). */
export function uploadedFile(deviceName: string, destination: string, content: Buffer): Buffer {
  return Buffer.concat([streamName(deviceName), streamName(destination), u32(content.length + 1), Buffer.from([0x0c]), content, u32(1), Buffer.from([0x00])]);
}

/**
 * A phone connection whose device side is a script: handshake (§3.2, §3.3), wait for Backup, then
 * `script`. It keeps the engine's idle time-out as a real session does, so a script that falls
 * silent ends the run with `timeout` instead of hanging the test.
 */
export function scriptedSession(script: (peer: ScriptedPeer) => Promise<void>): (options: OpenSessionOptions) => Promise<BackupDeviceSession> {
  return async (options) => {
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
    const backup = await MobileBackup2Client.connect(host, { timeoutMs: options.idleTimeoutMs ?? 0 });
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


export interface DownloadedFile {
  readonly path: string;
  readonly content: Buffer;
  /** The LOCAL_ERROR text when the host could not send it. */
  readonly error: string | undefined;
}

/** Reads the host's DLMessageDownloadFiles stream (§3.6.1) up to its `u32 0`. */
export async function readDownloadStream(peer: ScriptedPeer): Promise<DownloadedFile[]> {
  const files: DownloadedFile[] = [];
  for (;;) {
    const nameLength = await peer.reader.readUInt32BE();
    if (nameLength === 0) return files;
    const path = (await peer.reader.readExactly(nameLength)).toString('utf8');
    const parts: Buffer[] = [];
    let error: string | undefined;
    for (;;) {
      const length = await peer.reader.readUInt32BE();
      const code = (await peer.reader.readExactly(1))[0];
      const payload = length > 1 ? await peer.reader.readExactly(length - 1) : Buffer.alloc(0);
      if (code === 0x0c) {
        parts.push(payload);
        continue;
      }
      if (code === 0x06) error = payload.toString('utf8');
      break;
    }
    files.push({ path, content: Buffer.concat(parts), error });
  }
}

/** The next DLMessageStatusResponse the host sends, as its array. */
export async function readStatus(peer: ScriptedPeer): Promise<PlistValue[]> {
  return (await readPlistFrame(peer.reader)) as PlistValue[];
}
