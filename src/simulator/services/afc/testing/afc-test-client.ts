import net from 'node:net';
import { ByteReader } from '../../../../main/device/codec';

/**
 * A deliberately small AFC client for tests, written from the §4.1 layout rather than sharing the
 * server's encoder, so a framing bug on one side cannot hide behind the same bug on the other.
 */
export interface AfcTestReply {
  readonly packetNum: bigint;
  readonly op: number;
  readonly payload: Buffer;
}

export function afcRequestBytes(packetNum: bigint, op: number, headerData: Buffer, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(40);
  header.write('CFA6LPAA', 0, 'latin1');
  header.writeBigUInt64LE(BigInt(40 + headerData.length + payload.length), 8);
  header.writeBigUInt64LE(BigInt(40 + headerData.length), 16);
  header.writeBigUInt64LE(packetNum, 24);
  header.writeBigUInt64LE(BigInt(op), 32);
  return Buffer.concat([header, headerData, payload]);
}

export const cstr = (text: string): Buffer => Buffer.from(`${text}\u0000`, 'utf8');
export const le64 = (...values: (number | bigint)[]): Buffer => {
  const bytes = Buffer.alloc(8 * values.length);
  values.forEach((value, i) => bytes.writeBigInt64LE(BigInt(value), i * 8));
  return bytes;
};

export class AfcTestClient {
  private packetNum = 0n;
  private readonly reader: ByteReader;

  private constructor(readonly socket: net.Socket) {
    this.reader = new ByteReader(socket, 10_000);
  }

  static async connect(port: number): Promise<AfcTestClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new AfcTestClient(socket);
  }

  async sendRaw(bytes: Buffer): Promise<AfcTestReply> {
    this.socket.write(bytes);
    return this.readReply();
  }

  async readReply(): Promise<AfcTestReply> {
    const header = await this.reader.readExactly(40);
    if (header.toString('latin1', 0, 8) !== 'CFA6LPAA') throw new Error(`bad magic ${header.toString('latin1', 0, 8)}`);
    const entire = Number(header.readBigUInt64LE(8));
    if (entire < 40) throw new Error(`entire_length ${entire} is shorter than a header`);
    const payload = await this.reader.readExactly(entire - 40);
    return { packetNum: header.readBigUInt64LE(24), op: Number(header.readBigUInt64LE(32)), payload };
  }

  async request(op: number, headerData: Buffer = Buffer.alloc(0), payload?: Buffer): Promise<AfcTestReply> {
    this.packetNum += 1n;
    const reply = await this.sendRaw(afcRequestBytes(this.packetNum, op, headerData, payload));
    if (reply.packetNum !== this.packetNum) throw new Error(`reply for packet ${reply.packetNum}, expected ${this.packetNum}`);
    return reply;
  }

  /** The status code of a STATUS reply; throws for any other reply. */
  async status(op: number, headerData?: Buffer, payload?: Buffer): Promise<number> {
    const reply = await this.request(op, headerData, payload);
    if (reply.op !== 0x01) throw new Error(`expected STATUS, got op ${reply.op}`);
    return Number(reply.payload.readBigUInt64LE(0));
  }

  /** DATA payload, or an Error carrying the status code. */
  async data(op: number, headerData?: Buffer): Promise<Buffer> {
    const reply = await this.request(op, headerData);
    if (reply.op === 0x01) throw Object.assign(new Error(`AFC status ${reply.payload.readBigUInt64LE(0)}`), { status: Number(reply.payload.readBigUInt64LE(0)) });
    if (reply.op !== 0x02) throw new Error(`expected DATA, got op ${reply.op}`);
    return reply.payload;
  }

  async list(path: string): Promise<string[]> {
    return (await this.data(0x03, cstr(path))).toString('utf8').split('\u0000').slice(0, -1);
  }

  async info(path: string): Promise<Record<string, string>> {
    const parts = (await this.data(0x0a, cstr(path))).toString('utf8').split('\u0000').slice(0, -1);
    const info: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) info[parts[i] ?? ''] = parts[i + 1] ?? '';
    return info;
  }

  async open(path: string, mode: number): Promise<bigint> {
    const reply = await this.request(0x0d, Buffer.concat([le64(mode), cstr(path)]));
    if (reply.op !== 0x0e) throw Object.assign(new Error(`FileOpen failed with ${reply.payload.readBigUInt64LE(0)}`), { status: Number(reply.payload.readBigUInt64LE(0)) });
    return reply.payload.readBigUInt64LE(0);
  }

  async read(handle: bigint, length: number): Promise<Buffer> {
    return this.data(0x0f, le64(handle, length));
  }

  async readWhole(path: string, chunk = 65_536): Promise<Buffer> {
    const handle = await this.open(path, 1);
    const parts: Buffer[] = [];
    for (;;) {
      const bytes = await this.read(handle, chunk);
      if (bytes.length === 0) break;
      parts.push(bytes);
    }
    await this.status(0x14, le64(handle));
    return Buffer.concat(parts);
  }

  /** FileWrite: header-data is the handle only (this_length 48), the bytes are payload. */
  async write(handle: bigint, bytes: Buffer): Promise<number> {
    return this.status(0x10, le64(handle), bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
