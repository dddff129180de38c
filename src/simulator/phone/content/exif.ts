/**
 * A minimal EXIF APP1 segment (TIFF, little-endian) carrying what photo tools read first:
 * Make, Model, DateTime and, in the Exif sub-IFD, DateTimeOriginal/Digitized with their offset.
 * The host's photo import sorts and names by DateTimeOriginal, so it must match the file's dates.
 * A Live Photo's still also carries Apple's MakerNote with its content identifier (appleMakerNote).
 */

type TiffField = { readonly tag: number; readonly ascii: string } | { readonly tag: number; readonly undefinedBytes: Buffer };

const TYPE_ASCII = 2;
const TYPE_LONG = 4;
const TYPE_UNDEFINED = 7;
const TYPE_SLONG = 9;
const TAG_MAKER_NOTE = 0x927c;
const TAG_MAKE = 0x010f;
const TAG_MODEL = 0x0110;
const TAG_DATETIME = 0x0132;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATETIME_ORIGINAL = 0x9003;
const TAG_DATETIME_DIGITIZED = 0x9004;
const TAG_OFFSET_TIME_ORIGINAL = 0x9011;

/** `YYYY:MM:DD HH:MM:SS` in UTC, the EXIF date format. */
export function exifDate(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return `${iso.slice(0, 4)}:${iso.slice(5, 7)}:${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
}

/** Writes one IFD at `ifdOffset` (TIFF-relative) with its out-of-line values right after it. */
function writeIfd(fields: readonly TiffField[], ifdOffset: number, subIfdPointer: number | undefined): Buffer {
  const count = fields.length + (subIfdPointer === undefined ? 0 : 1);
  const tableSize = 2 + count * 12 + 4;
  const table = Buffer.alloc(tableSize);
  const values: Buffer[] = [];
  let valueOffset = ifdOffset + tableSize;
  table.writeUInt16LE(count, 0);
  let at = 2;
  const entries = [...fields.map((f) => ({ tag: f.tag, field: f })), ...(subIfdPointer === undefined ? [] : [{ tag: TAG_EXIF_IFD, field: undefined }])];
  entries.sort((x, y) => x.tag - y.tag);
  for (const { tag, field } of entries) {
    table.writeUInt16LE(tag, at);
    if (field === undefined) {
      table.writeUInt16LE(TYPE_LONG, at + 2);
      table.writeUInt32LE(1, at + 4);
      table.writeUInt32LE(subIfdPointer ?? 0, at + 8);
    } else {
      const ascii = 'ascii' in field;
      const bytes = ascii ? Buffer.from(`${field.ascii}\u0000`, 'latin1') : field.undefinedBytes;
      table.writeUInt16LE(ascii ? TYPE_ASCII : TYPE_UNDEFINED, at + 2);
      table.writeUInt32LE(bytes.length, at + 4);
      if (bytes.length <= 4) {
        bytes.copy(table, at + 8);
      } else {
        table.writeUInt32LE(valueOffset, at + 8);
        // TIFF values start on word boundaries.
        const padded = bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(1)]);
        values.push(padded);
        valueOffset += padded.length;
      }
    }
    at += 12;
  }
  table.writeUInt32LE(0, at); // no next IFD
  return Buffer.concat([table, ...values]);
}

/**
 * Apple's MakerNote as iPhones write it (exiftool's Apple.pm; protocol-notes.md "The Camera Roll"):
 * `Apple iOS\0`, version 1, `MM`, then a big-endian IFD whose value offsets count from the note's
 * first byte. Tag 0x0011 ContentIdentifier is the UUID a Live Photo's still shares with its `.MOV`
 * (`com.apple.quicktime.content.identifier`); a still without a Live Photo has none.
 */
function appleMakerNote(contentIdentifier: string): Buffer {
  const header = Buffer.concat([Buffer.from('Apple iOS\u0000', 'latin1'), Buffer.from([0x00, 0x01]), Buffer.from('MM', 'latin1')]);
  const identifier = Buffer.from(`${contentIdentifier}\u0000`, 'latin1');
  const entries = 2;
  const table = Buffer.alloc(2 + entries * 12 + 4);
  table.writeUInt16BE(entries, 0);
  // 0x0001 MakerNoteVersion (int32s, inline): iOS 16 and 17 write 14.
  table.writeUInt16BE(0x0001, 2);
  table.writeUInt16BE(TYPE_SLONG, 4);
  table.writeUInt32BE(1, 6);
  table.writeInt32BE(14, 10);
  // 0x0011 ContentIdentifier (string[37]), stored right after the table.
  table.writeUInt16BE(0x0011, 14);
  table.writeUInt16BE(TYPE_ASCII, 16);
  table.writeUInt32BE(identifier.length, 18);
  table.writeUInt32BE(header.length + table.length, 22);
  return Buffer.concat([header, table, identifier, Buffer.alloc(identifier.length % 2)]);
}

/** The complete APP1 segment, marker and length included. */
export function buildExifSegment(options: { takenAt: number; make: string; model: string; contentIdentifier?: string }): Buffer {
  const date = exifDate(options.takenAt);
  const header = Buffer.from('49492a0008000000', 'hex'); // "II", 42, IFD0 at 8
  const ifd0Fields: TiffField[] = [
    { tag: TAG_MAKE, ascii: options.make },
    { tag: TAG_MODEL, ascii: options.model },
    { tag: TAG_DATETIME, ascii: date },
  ];
  // First pass to learn IFD0's length, so the Exif IFD can follow it.
  const ifd0Length = writeIfd(ifd0Fields, 8, 0).length;
  const exifIfdOffset = 8 + ifd0Length;
  const ifd0 = writeIfd(ifd0Fields, 8, exifIfdOffset);
  const exifIfd = writeIfd(
    [
      { tag: TAG_DATETIME_ORIGINAL, ascii: date },
      { tag: TAG_DATETIME_DIGITIZED, ascii: date },
      { tag: TAG_OFFSET_TIME_ORIGINAL, ascii: '+00:00' },
      ...(options.contentIdentifier === undefined ? [] : [{ tag: TAG_MAKER_NOTE, undefinedBytes: appleMakerNote(options.contentIdentifier) }]),
    ],
    exifIfdOffset,
    undefined,
  );
  const body = Buffer.concat([Buffer.from('Exif\u0000\u0000', 'latin1'), header, ifd0, exifIfd]);
  const segmentHeader = Buffer.alloc(4);
  segmentHeader.writeUInt16BE(0xffe1, 0);
  segmentHeader.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([segmentHeader, body]);
}
