/**
 * Puts a HEIC's EXIF into the JPEG made from it, as an APP1 `Exif` segment right after SOI, so the
 * JPEG keeps its capture date, camera and orientation (photo tools and the next import date it by
 * them). A block too big for one segment (64 KiB) is left out rather than split.
 */
const MAX_SEGMENT_PAYLOAD = 65_535 - 2;

export function withExif(jpeg: Buffer, tiff: Buffer | undefined): Buffer {
  if (!tiff || jpeg.length < 2 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;
  const body = tiff.toString('latin1', 0, 6) === 'Exif\0\0' ? tiff : Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  if (body.length > MAX_SEGMENT_PAYLOAD) return jpeg;
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}
