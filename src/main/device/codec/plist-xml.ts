import { type PlistDict, type PlistValue, PlistReal, PlistShapeError, PlistUid, isPlistDict, setPlistEntry } from './plist-value';

/**
 * XML property lists, protocol.md §0.1.
 *
 * Our own reader and writer: the `plist` package rounds integers above 2^53 (a -13 status sent as an
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

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    const codePoint = name.startsWith('#x') ? parseInt(name.slice(2), 16) : name.startsWith('#') ? parseInt(name.slice(1), 10) : undefined;
    // A reference beyond Unicode (&#99999999;) would make fromCodePoint throw a RangeError: keep it as text.
    if (codePoint !== undefined) return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
    return ENTITIES[name] ?? whole;
  });
}

interface Token {
  readonly kind: 'open' | 'close' | 'empty' | 'text';
  readonly name: string;
  readonly text: string;
}

// Tags, or runs of text between them. Declarations, DOCTYPE and comments are dropped first.
// A tag cannot contain '<', and an unterminated declaration or comment runs to the end of the input:
// otherwise every '<' of a hostile "<a<a<a…" or "<!--<!--…" rescans the rest (quadratic, minutes per MB).
const TOKEN = /<(\/?)([A-Za-z][\w:.-]*)[^<>]*?(\/?)>|([^<]+)/g;

function tokenize(xml: string): Token[] {
  const cleaned = xml
    .replace(/<\?[\s\S]*?(?:\?>|$)/g, '')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .replace(/<!DOCTYPE[^>]*(?:>|$)/gi, '');
  const tokens: Token[] = [];
  for (const match of cleaned.matchAll(TOKEN)) {
    const [, slash, name, selfClose, text] = match;
    if (text !== undefined) tokens.push({ kind: 'text', name: '', text });
    else if (slash) tokens.push({ kind: 'close', name: name ?? '', text: '' });
    else tokens.push({ kind: selfClose ? 'empty' : 'open', name: name ?? '', text: '' });
  }
  return tokens;
}

export function decodeXmlPlist(bytes: Buffer): PlistValue {
  // iOS 4.3+ may put control characters into XML; libimobiledevice blanks them out (§0.1).
  // eslint-disable-next-line no-control-regex
  const xml = bytes.toString('utf8').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, ' ');
  const reader = new TokenReader(tokenize(xml));
  const first = reader.next();
  if (first.name !== 'plist' || first.kind === 'text') throw new PlistShapeError('Malformed XML property list: no <plist> element.');
  if (first.kind === 'empty') return {};
  const value = readValue(reader, 0);
  reader.expectClose('plist');
  return value;
}

const MAX_DEPTH = 512;

class TokenReader {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  /** The next element token; white space between elements is not content. */
  next(): Token {
    this.skipWhitespace();
    return this.nextRaw();
  }

  peek(): Token | undefined {
    this.skipWhitespace();
    return this.tokens[this.index];
  }

  /** Text content up to the closing tag (white space included); empty when the element is empty. */
  textUntilClose(name: string): string {
    const token = this.nextRaw();
    if (token.kind === 'close' && token.name === name) return '';
    if (token.kind !== 'text') throw new PlistShapeError(`Malformed XML property list: <${name}> holds markup.`);
    this.expectClose(name);
    return unescapeXml(token.text);
  }

  private nextRaw(): Token {
    const token = this.tokens[this.index];
    if (!token) throw new PlistShapeError('Malformed XML property list: it ends too early.');
    this.index += 1;
    return token;
  }

  private skipWhitespace(): void {
    for (let token = this.tokens[this.index]; token?.kind === 'text' && token.text.trim() === ''; token = this.tokens[this.index]) {
      this.index += 1;
    }
  }

  expectClose(name: string): void {
    const token = this.next();
    if (token.kind !== 'close' || token.name !== name) {
      throw new PlistShapeError(`Malformed XML property list: expected </${name}>, found <${token.name || token.text.slice(0, 20)}>.`);
    }
  }
}

function readValue(reader: TokenReader, depth: number): PlistValue {
  if (depth > MAX_DEPTH) throw new PlistShapeError('Malformed XML property list: nested too deeply.');
  const token = reader.next();
  if (token.kind === 'text' || token.kind === 'close') {
    throw new PlistShapeError(`Malformed XML property list: unexpected ${token.kind === 'text' ? 'text' : `</${token.name}>`}.`);
  }
  const empty = token.kind === 'empty';
  switch (token.name) {
    case 'true':
    case 'false':
      if (!empty) reader.expectClose(token.name);
      return token.name === 'true';
    case 'string':
      return empty ? '' : reader.textUntilClose('string');
    case 'integer':
      return parseInteger(empty ? '' : reader.textUntilClose('integer'));
    case 'real':
      return parseReal(empty ? '' : reader.textUntilClose('real'));
    case 'date':
      return parseDate(empty ? '' : reader.textUntilClose('date'));
    case 'data':
      return Buffer.from((empty ? '' : reader.textUntilClose('data')).replace(/\s+/g, ''), 'base64');
    case 'array':
      return empty ? [] : readArray(reader, depth);
    case 'dict':
      return empty ? {} : readDict(reader, depth);
    default:
      throw new PlistShapeError(`Malformed XML property list: unknown element <${token.name}>.`);
  }
}

function readArray(reader: TokenReader, depth: number): PlistValue[] {
  const items: PlistValue[] = [];
  for (;;) {
    const next = reader.peek();
    if (next?.kind === 'close' && next.name === 'array') {
      reader.next();
      return items;
    }
    items.push(readValue(reader, depth + 1));
  }
}

function readDict(reader: TokenReader, depth: number): PlistValue {
  const dict: Record<string, PlistValue> = {};
  for (;;) {
    const token = reader.next();
    if (token.kind === 'close' && token.name === 'dict') break;
    if (token.name !== 'key' || token.kind === 'text') throw new PlistShapeError('Malformed XML property list: a dict entry has no <key>.');
    const key = token.kind === 'empty' ? '' : reader.textUntilClose('key');
    setPlistEntry(dict, key, readValue(reader, depth + 1));
  }
  const keys = Object.keys(dict);
  const uid = dict['CF$UID'];
  if (keys.length === 1 && typeof uid === 'number') return new PlistUid(uid);
  return dict;
}

function parseInteger(text: string): number | bigint {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(trimmed)) throw new PlistShapeError(`Malformed XML property list: bad integer "${trimmed.slice(0, 30)}".`);
  const negative = trimmed.startsWith('-');
  const digits = trimmed.replace(/^[+-]/, '');
  const big = negative ? -BigInt(digits) : BigInt(digits);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function parseReal(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'nan') return Number.NaN;
  if (trimmed === '+infinity' || trimmed === 'infinity' || trimmed === 'inf') return Number.POSITIVE_INFINITY;
  if (trimmed === '-infinity' || trimmed === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(trimmed);
  if (trimmed === '' || Number.isNaN(value)) throw new PlistShapeError(`Malformed XML property list: bad real "${trimmed.slice(0, 30)}".`);
  return value;
}

function parseDate(text: string): Date {
  const date = new Date(text.trim());
  if (Number.isNaN(date.getTime())) throw new PlistShapeError(`Malformed XML property list: bad date "${text.slice(0, 30)}".`);
  return date;
}
