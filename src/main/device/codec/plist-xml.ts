import { type PlistDict, type PlistValue, PlistReal, PlistShapeError, PlistUid, isPlistDict } from './plist-value';

export { decodeXmlPlist } from './plist-xml-decoder';

/**
 * XML property lists, protocol.md §0.1.
 *
 * Our own reader (plist-xml-decoder.ts) and writer: the `plist` package rounds integers above 2^53 (a -13 status sent as an
 * unsigned 64-bit value arrives as 18446744073709552000), returns data as Uint8Array and cannot
 * write an integral real, so it is wrong for this protocol (see plist-xml.test.ts). The grammar
 * is small: plist, dict/key, array, string, integer, real, true, false, date, data.
 */

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n';

export function encodeXmlPlist(value: PlistValue): Buffer {
  const lines: string[] = [];
  writeValue(value, 0, lines);
  return Buffer.from(`${HEADER}${lines.join('\n')}\n</plist>\n`, 'utf8');
}

function writeValue(value: PlistValue, depth: number, out: string[]): void {
  const pad = '\t'.repeat(depth);
  if (typeof value === 'string') out.push(`${pad}<string>${escapeXml(value)}</string>`);
  else if (typeof value === 'boolean') out.push(`${pad}<${value ? 'true' : 'false'}/>`);
  else if (typeof value === 'bigint') out.push(`${pad}<integer>${value.toString()}</integer>`);
  else if (typeof value === 'number') {
    out.push(Number.isInteger(value) ? `${pad}<integer>${value}</integer>` : `${pad}<real>${formatReal(value)}</real>`);
  } else if (value instanceof PlistReal) out.push(`${pad}<real>${formatReal(value.value)}</real>`);
  else if (value instanceof Date) out.push(`${pad}<date>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>`);
  else if (Buffer.isBuffer(value)) out.push(`${pad}<data>${value.toString('base64')}</data>`);
  else if (value instanceof PlistUid) {
    out.push(`${pad}<dict>`, `${pad}\t<key>CF$UID</key>`, `${pad}\t<integer>${value.value}</integer>`, `${pad}</dict>`);
  } else if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${pad}<array/>`);
    else {
      out.push(`${pad}<array>`);
      for (const item of value as readonly PlistValue[]) writeValue(item, depth + 1, out);
      out.push(`${pad}</array>`);
    }
  } else if (isPlistDict(value)) {
    const entries = Object.entries(value as PlistDict);
    if (entries.length === 0) out.push(`${pad}<dict/>`);
    else {
      out.push(`${pad}<dict>`);
      for (const [key, item] of entries) {
        out.push(`${pad}\t<key>${escapeXml(key)}</key>`);
        writeValue(item, depth + 1, out);
      }
      out.push(`${pad}</dict>`);
    }
  } else throw new PlistShapeError(`Cannot encode ${typeof value} in a property list.`);
}

function formatReal(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? '+infinity' : '-infinity';
  return String(value);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
