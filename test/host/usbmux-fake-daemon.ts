import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodePlist, encodePlist, isPlistDict, type PlistDict } from '../../src/main/device/codec';

/** What a scripted usbmuxd sees: the request, its tag, and the socket to answer on. */
export interface FakeRequest {
  readonly socket: net.Socket;
  readonly tag: number;
  readonly request: PlistDict;
}

export interface FakeDaemon {
  readonly address: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

/**
 * A scripted usbmuxd for protocol edge cases the real simulator never produces (split packets,
 * wrong tags, lying lengths). Written for the tests only; it shares nothing with the host client
 * except the plist codec.
 */
export async function startFakeDaemon(onRequest: (request: FakeRequest) => void | Promise<void>): Promise<FakeDaemon> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  const socketPath = path.join(root, 'fake-usbmuxd.sock');
  const requests: FakeRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 16) return;
      const length = buffered.readUInt32LE(0);
      if (buffered.length < length) return;
      const tag = buffered.readUInt32LE(12);
      const value = decodePlist(buffered.subarray(16, length));
      buffered = buffered.subarray(length);
      if (!isPlistDict(value)) throw new Error('fake usbmuxd: request is not a dict');
      const request = { socket, tag, request: value };
      requests.push(request);
      void onRequest(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    address: `UNIX:${socketPath}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export function muxPacket(tag: number, value: PlistDict, overrides: { length?: number; version?: number; message?: number } = {}): Buffer {
  const payload = encodePlist(value, 'xml');
  const header = Buffer.alloc(16);
  header.writeUInt32LE(overrides.length ?? 16 + payload.length, 0);
  header.writeUInt32LE(overrides.version ?? 1, 4);
  header.writeUInt32LE(overrides.message ?? 8, 8);
  header.writeUInt32LE(tag, 12);
  return Buffer.concat([header, payload]);
}

/** Writes `bytes` in pieces of `size`, yielding to the event loop between them so reads really split. */
export async function writeInPieces(socket: net.Socket, bytes: Buffer, size: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    await new Promise<void>((resolve) => socket.write(bytes.subarray(offset, offset + size), () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
