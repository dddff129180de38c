/**
 * Reads the Live Photo content identifier out of a still's bytes as exiftool documents Apple's
 * MakerNote (Apple.pm): `Apple iOS\0`, a version, `MM`, then a big-endian IFD at byte 14 whose
 * value offsets count from the note's first byte; tag 0x0011 ContentIdentifier is a string. Written
 * from that description, not from the simulator's writer, so the two cannot share a mistake.
 */
export function appleContentIdentifier(bytes: Buffer): string | undefined {
  const note = bytes.indexOf(Buffer.from('Apple iOS\0', 'latin1'));
  if (note < 0 || bytes.toString('latin1', note + 12, note + 14) !== 'MM') return undefined;
  const ifd = note + 14;
  const count = bytes.readUInt16BE(ifd);
  for (let index = 0; index < count; index += 1) {
    const entry = ifd + 2 + index * 12;
    if (bytes.readUInt16BE(entry) !== 0x0011 || bytes.readUInt16BE(entry + 2) !== 2) continue;
    const length = bytes.readUInt32BE(entry + 4);
    const at = length <= 4 ? entry + 8 : note + bytes.readUInt32BE(entry + 8);
    return bytes.toString('latin1', at, at + length).replace(/\0+$/, '');
  }
  return undefined;
}
