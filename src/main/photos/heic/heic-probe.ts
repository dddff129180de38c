/**
 * What a HEIF/HEIC file says about itself before it is decoded (ISO/IEC 23008-12): its brand in
 * `ftyp` and the picture sizes its `meta/iprp/ipco` property boxes declare (`ispe`). The biggest
 * declared size bounds what a decoder would allocate, so it is checked against MAX_HEIC_PIXELS
 * first. Every length is checked: the bytes come from a phone or a backup folder.
 */

const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);
const MAX_BOXES = 256;

interface Box {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

function boxesIn(bytes: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  for (let at = start; at + 8 <= end && boxes.length < MAX_BOXES;) {
    let size = bytes.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) break;
      const large = bytes.readBigUInt64BE(at + 8);
      if (large > BigInt(end - at)) break;
      size = Number(large);
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) break;
    boxes.push({ type: bytes.toString('latin1', at + 4, at + 8), start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

/** True when the bytes start with an `ftyp` box of a HEIF image brand (AVIF is not HEIC). */
export function isHeic(bytes: Buffer): boolean {
  return bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp' && HEIF_BRANDS.has(bytes.toString('latin1', 8, 12));
}

/** The largest picture size any `ispe` property declares, or undefined when none is readable. */
export function declaredPictureSize(bytes: Buffer): { width: number; height: number } | undefined {
  const meta = boxesIn(bytes, 0, bytes.length).find((box) => box.type === 'meta');
  // `meta` is a full box: version and flags come before its children.
  const iprp = meta && boxesIn(bytes, meta.start + 4, meta.end).find((box) => box.type === 'iprp');
  const ipco = iprp && boxesIn(bytes, iprp.start, iprp.end).find((box) => box.type === 'ipco');
  if (!ipco) return undefined;
  let largest: { width: number; height: number } | undefined;
  for (const box of boxesIn(bytes, ipco.start, ipco.end)) {
    // ispe: version/flags, then u32 width and u32 height.
    if (box.type !== 'ispe' || box.end - box.start < 12) continue;
    const width = bytes.readUInt32BE(box.start + 4);
    const height = bytes.readUInt32BE(box.start + 8);
    if (!largest || width * height > largest.width * largest.height) largest = { width, height };
  }
  return largest;
}
