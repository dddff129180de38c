import { Duplex, PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteReader,
  MAX_FRAME_BYTES,
  type PlistValue,
  PlistShapeError,
  decodePlist,
  encodePlist,
  encodePlistFrame,
} from '../../src/main/device/codec';
import {
  AFC_HEADER_BYTES,
  AfcClient,
  DeviceLinkBlockCode,
  DeviceLinkClient,
  MAX_AFC_REPLY_BYTES,
  MAX_REMOTE_ERROR_BYTES,
  MAX_STREAM_NAME_BYTES,
  ServiceError,
  UPLOAD_PIECE_BYTES,
  type ServiceChannel,
  encodeAfcPacket,
  encodeStreamBlock,
  encodeStreamPath,
  parseDeviceLinkMessage,
  readAfcPacket,
  receiveFilesFromDevice,
} from '../../src/main/device/services';

/**
 * "Fuzz the framing and plist decoding with malformed and oversized input: no crash, no unbounded
 * allocation." Every parser below gets random and mutated bytes; each must return a value or throw
 * its layer's typed error, and never ask the reader for more than its caps allow in one piece
 * (ByteReader only allocates what it is asked for, so the largest request bounds the memory).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** A ByteReader that remembers the largest single read a parser asked for. */
class RecordingReader extends ByteReader {
  largestRequest = 0;
  override readExactly(size: number, timeoutMs?: number): Promise<Buffer> {
    this.largestRequest = Math.max(this.largestRequest, size);
    return super.readExactly(size, timeoutMs);
  }
}

function readerOver(bytes: Uint8Array): RecordingReader {
  const stream = new PassThrough();
  const reader = new RecordingReader(stream);
  stream.end(Buffer.from(bytes));
  return reader;
}

/** A channel whose device side has said `bytes` and hung up; what the host writes is dropped. */
function channelOver(bytes: Uint8Array): ServiceChannel & { readonly reader: RecordingReader } {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const reader = new RecordingReader(socket);
  socket.push(Buffer.from(bytes));
  socket.push(null);
  return { socket, reader, close: () => socket.destroy() };
}

const plistValue: fc.Arbitrary<PlistValue> = fc.letrec<{ value: PlistValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    // Integral doubles beyond 64 bits cannot be encoded at all; they are not what is under test.
    fc.double({ noNaN: true }).filter((value) => !Number.isInteger(value) || Number.isSafeInteger(value)),
    fc.boolean(),
    fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Byte-level damage: flips, cuts, insertions and huge length-like words at random places. */
type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly value: number }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'huge'; readonly at: number; readonly width: 4 | 8 };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), width: fc.constantFrom(4 as const, 8 as const) }),
);

function mutate(original: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const change of mutations) {
    if (bytes.length === 0) break;
    const at = change.at % bytes.length;
    if (change.kind === 'flip') bytes[at] = change.value;
    else if (change.kind === 'cut') bytes = bytes.subarray(0, at);
    else if (change.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), change.bytes, bytes.subarray(at)]);
    else bytes.fill(0xff, at, Math.min(bytes.length, at + change.width));
  }
  return bytes;
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 6 });

/** Runs a parser; anything it throws must be one of `allowed`. */
function outcomeOf(run: () => unknown, ...allowed: (abstract new (...args: never[]) => Error)[]): 'value' | 'typed-error' {
  try {
    run();
    return 'value';
  } catch (error) {
    if (allowed.some((type) => error instanceof type)) return 'typed-error';
    throw error;
  }
}

async function asyncOutcomeOf(run: () => Promise<unknown>, ...allowed: (abstract new (...args: never[]) => Error)[]): Promise<'value' | 'typed-error'> {
  try {
    await run();
    return 'value';
  } catch (error) {
    if (allowed.some((type) => error instanceof type)) return 'typed-error';
    throw error;
  }
}

describe('fuzz: decodePlist', () => {
  it('answers random bytes (with and without a plist header) with a value or a PlistShapeError', () => {
    const prefixed = fc.tuple(fc.constantFrom('', 'bplist00', '<?xml version="1.0"?><plist>', '<plist version="1.0">'), fc.uint8Array({ maxLength: 512 }));
    fc.assert(
      fc.property(prefixed, ([prefix, tail]) => {
        expect(outcomeOf(() => decodePlist(Buffer.concat([Buffer.from(prefix), tail])), PlistShapeError)).toBeDefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('survives mutated binary and XML encodings of real values', () => {
    fc.assert(
      fc.property(plistValue, fc.constantFrom('binary' as const, 'xml' as const), mutations, (value, format, changes) => {
        const damaged = mutate(encodePlist(value, format), changes);
        expect(outcomeOf(() => decodePlist(damaged), PlistShapeError)).toBeDefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('stays linear on unterminated tags, comments and declarations (a 1 MB frame once took minutes)', () => {
    for (const unit of ['<a', '<!--', '<?', '<!DOCTYPE ', '<dict><key>']) {
      expect(() => decodePlist(Buffer.from(`<plist>${unit.repeat(Math.ceil(1_000_000 / unit.length))}`))).toThrow(PlistShapeError);
    }
  });

  it('keeps character references beyond Unicode as text instead of throwing a RangeError', () => {
    expect(decodePlist(Buffer.from('<plist><string>&#99999999;&#x41;</string></plist>'))).toBe('&#99999999;A');
  });
});

const DL_NAMES = [
  'DLMessageVersionExchange',
  'DLMessageDeviceReady',
  'DLMessageDownloadFiles',
  'DLMessageUploadFiles',
  'DLMessageMoveItems',
  'DLMessageMoveFiles',
  'DLMessageRemoveItems',
  'DLMessageRemoveFiles',
  'DLMessageCreateDirectory',
  'DLMessageCopyItem',
  'DLContentsOfDirectory',
  'DLMessageGetFreeDiskSpace',
  'DLMessagePurgeDiskSpace',
  'DLMessageProcessMessage',
  'DLMessageDisconnect',
  'DLMessageUnheardOf',
];

const dlShaped: fc.Arbitrary<PlistValue> = fc
  .tuple(fc.constantFrom(...DL_NAMES), fc.array(plistValue, { maxLength: 5 }))
  .map(([name, rest]) => [name, ...rest]);

describe('fuzz: DeviceLink message parser (§3.5)', () => {
  it('parses or rejects with a ServiceError any plist value and any DL-shaped array', () => {
    fc.assert(
      fc.property(fc.oneof(plistValue, dlShaped), (value) => {
        expect(outcomeOf(() => parseDeviceLinkMessage(value), ServiceError)).toBeDefined();
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('reads damaged frames as a message or a ServiceError, never asking for more than the frame cap', async () => {
    await fc.assert(
      fc.asyncProperty(dlShaped, fc.constantFrom('binary' as const, 'xml' as const), mutations, async (value, format, changes) => {
        const channel = channelOver(mutate(encodePlistFrame(value, format), changes));
        const link = new DeviceLinkClient(channel);
        expect(await asyncOutcomeOf(() => link.receiveMessage(), ServiceError)).toBeDefined();
        expect(channel.reader.largestRequest).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      }),
      { numRuns: RUNS },
    );
  });
});

/** A plausible upload stream (§3.6.2) to damage. */
const uploadStream: fc.Arbitrary<Buffer> = fc
  .array(
    fc.record({
      // A zero name length is the end marker (§3.6.2), so a real file always has a name.
      name: fc.string({ minLength: 1, maxLength: 40 }),
      destination: fc.string({ minLength: 1, maxLength: 40 }),
      chunks: fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }),
      error: fc.option(fc.string({ maxLength: 30 })),
    }),
    { maxLength: 4 },
  )
  .map((files) =>
    Buffer.concat([
      ...files.flatMap((file) => [
        encodeStreamPath(file.name),
        encodeStreamPath(file.destination),
        ...file.chunks.map((chunk) => encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, chunk)),
        file.error === null ? encodeStreamBlock(DeviceLinkBlockCode.SUCCESS) : encodeStreamBlock(DeviceLinkBlockCode.REMOTE_ERROR, Buffer.from(file.error)),
      ]),
      Buffer.alloc(4),
    ]),
  );

async function consumeUpload(reader: ByteReader): Promise<number> {
  let files = 0;
  for await (const file of receiveFilesFromDevice(reader)) {
    files += 1;
    try {
      for await (const _chunk of file.chunks()) {
        // streamed and dropped
      }
    } catch (error) {
      if (!(error instanceof ServiceError) || error.code !== 'device-refused') throw error;
    }
  }
  return files;
}

const UPLOAD_READ_BOUND = Math.max(UPLOAD_PIECE_BYTES, MAX_STREAM_NAME_BYTES, MAX_REMOTE_ERROR_BYTES);

describe('fuzz: DeviceLink upload stream parser (§3.6.2)', () => {
  it('consumes intact streams completely', async () => {
    await fc.assert(
      fc.asyncProperty(uploadStream, async (stream) => {
        const reader = readerOver(Buffer.concat([stream, Buffer.from('END')]));
        await consumeUpload(reader);
        expect((await reader.readExactly(3)).toString()).toBe('END');
      }),
      { numRuns: RUNS },
    );
  });

  it('ends damaged or random streams with files or a ServiceError, reading in bounded pieces', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(uploadStream.chain((stream) => mutations.map((changes) => mutate(stream, changes))), fc.uint8Array({ maxLength: 256 })), async (bytes) => {
        const reader = readerOver(bytes);
        expect(await asyncOutcomeOf(() => consumeUpload(reader), ServiceError)).toBeDefined();
        expect(reader.largestRequest).toBeLessThanOrEqual(UPLOAD_READ_BOUND);
      }),
      { numRuns: RUNS },
    );
  });
});

const afcReply: fc.Arbitrary<Buffer> = fc
  .record({ packet: fc.bigInt({ min: 0n, max: 3n }), op: fc.constantFrom(0x01, 0x02, 0x0e, 0x13, 0x42), body: fc.uint8Array({ maxLength: 64 }) })
  .map(({ packet, op, body }) => encodeAfcPacket(packet, op, Buffer.alloc(0), body));

describe('fuzz: AFC reply parser (§4.1)', () => {
  it('reads damaged or random replies as a packet or a ServiceError, never past the reply cap', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(afcReply.chain((reply) => mutations.map((changes) => mutate(reply, changes))), fc.uint8Array({ maxLength: 128 })), async (bytes) => {
        const reader = readerOver(bytes);
        expect(await asyncOutcomeOf(() => readAfcPacket(reader), ServiceError)).toBeDefined();
        expect(reader.largestRequest).toBeLessThanOrEqual(AFC_HEADER_BYTES + MAX_AFC_REPLY_BYTES);
      }),
      { numRuns: RUNS },
    );
  });

  it('lets every client operation end in a value or a ServiceError whatever the device answers', async () => {
    const operations: ((afc: AfcClient) => Promise<unknown>)[] = [
      (afc) => afc.readDirectory('/DCIM'),
      (afc) => afc.getFileInfo('/DCIM'),
      (afc) => afc.getDeviceInfo(),
      (afc) => afc.open('/a'),
      (afc) => afc.read(1n, 16),
      (afc) => afc.tell(1n),
      (afc) => afc.close(1n),
      (afc) => afc.readFileToBuffer('/a', 1024),
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(afcReply, { maxLength: 3 }), mutations, fc.nat({ max: operations.length - 1 }), async (replies, changes, which) => {
        const channel = channelOver(mutate(Buffer.concat([...replies, Buffer.alloc(1)]), changes));
        const operation = operations[which] as (afc: AfcClient) => Promise<unknown>;
        expect(await asyncOutcomeOf(() => operation(new AfcClient(channel)), ServiceError)).toBeDefined();
        expect(channel.reader.largestRequest).toBeLessThanOrEqual(MAX_AFC_REPLY_BYTES);
      }),
      { numRuns: RUNS },
    );
  });
});
