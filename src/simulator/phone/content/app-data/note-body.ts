import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A note's body as NoteStore.sqlite keeps it in ZICNOTEDATA.ZDATA: a gzipped protobuf whose shape
 * forensic parsers document (apple_cloud_notes_parser's notestore.proto, used by iLEAPP and mvt):
 * NoteStoreProto { 2: Document { 2: version, 3: Note { 2: note_text, 5: AttributeRun { 1: length } } } }.
 * This is the minimal valid body: the text and one attribute run covering all of it.
 */
export function noteBody(text: string): Buffer {
  // Attribute runs count UTF-16 units, as NSString does.
  const attributeRun = field(1, varint(text.length));
  const note = Buffer.concat([lengthDelimited(2, Buffer.from(text, 'utf8')), lengthDelimited(5, attributeRun)]);
  const document = Buffer.concat([field(2, varint(0)), lengthDelimited(3, note)]);
  // zlib writes mtime 0 in the gzip header, so the same text always gives the same bytes.
  return gzipSync(lengthDelimited(2, document), { level: 9 });
}

/** The text of a body made by noteBody, for tests and for the simulator's own checks. */
export function noteText(body: Buffer): string {
  let message: Buffer = gunzipSync(body);
  for (const path of [2, 3, 2]) {
    const found = readFields(message).find((item) => item.number === path && item.bytes !== undefined);
    if (!found?.bytes) throw new Error(`The note body has no field ${path} where a note's text should be.`);
    message = found.bytes;
  }
  return message.toString('utf8');
}

const VARINT = 0;
const LENGTH_DELIMITED = 2;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function field(number: number, encodedVarint: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | VARINT), encodedVarint]);
}

function lengthDelimited(number: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | LENGTH_DELIMITED), varint(payload.length), payload]);
}

function readVarint(bytes: Buffer, start: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let offset = start;
  for (;;) {
    const byte = bytes[offset++];
    if (byte === undefined) throw new Error('The note body ends inside a number.');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: offset };
    scale *= 128;
  }
}

function readFields(bytes: Buffer): Array<{ number: number; bytes?: Buffer }> {
  const fields: Array<{ number: number; bytes?: Buffer }> = [];
  let offset = 0;
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset);
    const number = Math.floor(key.value / 8);
    const wireType = key.value & 7;
    if (wireType === VARINT) {
      offset = readVarint(bytes, key.next).next;
      fields.push({ number });
    } else if (wireType === LENGTH_DELIMITED) {
      const length = readVarint(bytes, key.next);
      fields.push({ number, bytes: bytes.subarray(length.next, length.next + length.value) });
      offset = length.next + length.value;
    } else {
      throw new Error(`The note body uses protobuf wire type ${wireType}, which a minimal body never does.`);
    }
  }
  return fields;
}
