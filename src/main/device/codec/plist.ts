import { decodeBinaryPlist, encodeBinaryPlist, isBinaryPlist } from './plist-binary';
import { type PlistValue, PlistShapeError } from './plist-value';
import { decodeXmlPlist, encodeXmlPlist } from './plist-xml';

export type PlistFormat = 'xml' | 'binary';

/** Decodes either encoding: every receiver must sniff `bplist00` vs `<?xml` (protocol.md §0.1). */
export function decodePlist(bytes: Buffer): PlistValue {
  if (isBinaryPlist(bytes)) return decodeBinaryPlist(bytes);
  const start = bytes.subarray(0, 64).toString('utf8').trimStart();
  if (start.startsWith('<')) return decodeXmlPlist(bytes);
  throw new PlistShapeError('Not a property list: neither bplist00 nor XML.');
}

export function encodePlist(value: PlistValue, format: PlistFormat): Buffer {
  return format === 'binary' ? encodeBinaryPlist(value) : encodeXmlPlist(value);
}

export { decodeBinaryPlist, encodeBinaryPlist, decodeXmlPlist, encodeXmlPlist, isBinaryPlist };
