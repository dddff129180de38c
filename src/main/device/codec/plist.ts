import { decodeBinaryPlist, encodeBinaryPlist, isBinaryPlist } from './plist-binary';
import { PLIST_BUDGETS, type PlistBudget } from './plist-budget';
import { type PlistValue, PlistShapeError } from './plist-value';
import { decodeXmlPlist, encodeXmlPlist } from './plist-xml';

export type PlistFormat = 'xml' | 'binary';

/**
 * Decodes either encoding: every receiver must sniff `bplist00` vs `<?xml` (protocol.md §0.1).
 * `budget` bounds what the value may grow to (plist-budget.ts): pass the one for the use, e.g.
 * `PLIST_BUDGETS.metadataFile` for a backup's Info.plist; a device message's is the default.
 */
export function decodePlist(bytes: Buffer, budget: PlistBudget = PLIST_BUDGETS.deviceMessage): PlistValue {
  if (isBinaryPlist(bytes)) return decodeBinaryPlist(bytes, budget);
  const start = bytes.subarray(0, 64).toString('utf8').trimStart();
  if (start.startsWith('<')) return decodeXmlPlist(bytes, budget);
  throw new PlistShapeError('Not a property list: neither bplist00 nor XML.');
}

export function encodePlist(value: PlistValue, format: PlistFormat): Buffer {
  return format === 'binary' ? encodeBinaryPlist(value) : encodeXmlPlist(value);
}

export { decodeBinaryPlist, encodeBinaryPlist, decodeXmlPlist, encodeXmlPlist, isBinaryPlist };
