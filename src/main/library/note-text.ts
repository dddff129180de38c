import { gunzipSync } from 'node:zlib';

/**
 * The text of a note body as NoteStore.sqlite keeps it in ZICNOTEDATA.ZDATA: gzip of a protobuf
 * NoteStoreProto { 2: Document { 3: Note { 2: note_text } } } (apple_cloud_notes_parser's
 * notestore.proto, used by iLEAPP and mvt). The body is untrusted: its unpacked size is bounded and
 * anything that does not parse gives undefined, never an exception.
 */
const MAX_NOTE_BYTES = 16 * 1024 * 1024;
const TEXT_PATH = [2, 3, 2] as const;

export function noteBodyText(value: unknown): string | undefined {
  if (!(value instanceof Uint8Array) || value.length === 0) return undefined;
  let message: Buffer;
  try {
    message = gunzipSync(value, { maxOutputLength: MAX_NOTE_BYTES });
  } catch {
    return undefined;
  }
  for (const number of TEXT_PATH) {
    const found = lengthDelimitedField(message, number);
    if (!found) return undefined;
    message = found;
  }
  return message.toString('utf8');
}

/** The first length-delimited field `number` of a protobuf message, or undefined. */
function lengthDelimitedField(bytes: Buffer, number: number): Buffer | undefined {
  let offset = 0;
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset);
    if (!key) return undefined;
    const wireType = key.value % 8;
    const field = Math.floor(key.value / 8);
    offset = key.next;
    if (wireType === 0) {
      const skipped = readVarint(bytes, offset);
      if (!skipped) return undefined;
      offset = skipped.next;
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else if (wireType === 2) {
      const length = readVarint(bytes, offset);
      if (!length || length.next + length.value > bytes.length) return undefined;
      if (field === number) return bytes.subarray(length.next, length.next + length.value);
      offset = length.next + length.value;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function readVarint(bytes: Buffer, start: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let offset = start; offset < bytes.length && offset < start + 10; offset++) {
    const byte = bytes[offset] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: offset + 1 };
    scale *= 128;
  }
  return undefined;
}
