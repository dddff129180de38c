import { PLIST_BUDGETS, type PlistBudget, PlistBudgetMeter } from './plist-budget';
import { type PlistValue, PlistShapeError, PlistUid, setPlistEntry } from './plist-value';

/**
 * XML property list reader for untrusted bytes (protocol.md §0.1). The grammar is small: plist,
 * dict/key, array, string, integer, real, true, false, date, data.
 *
 * XML has no shared references here (DOCTYPE and its entity declarations are skipped, only the five
 * predefined entities and character references are read), so it cannot expand like a binary plist.
 * What it can do is cost memory per byte: the first reader turned the whole text into an array of
 * token objects first, and a 64 MiB message of `<string>a</string>` cost 1.3 GB. This one scans
 * one token ahead over the text, and counts the values against the same budget as the binary decoder.
 */

interface Token {
  readonly kind: 'open' | 'close' | 'empty' | 'text';
  readonly name: string;
  readonly text: string;
}

// A tag cannot contain '<'; sticky, so every match starts where the scanner stands and a hostile
// "<a<a<a…" is never rescanned (quadratic, minutes per MB).
const TAG = /<(\/?)([A-Za-z][\w:.-]*)[^<>]*?(\/?)>/y;
// Declarations, comments and DOCTYPE are not content. An unterminated one runs to the end of the input.
const NOT_CONTENT = /<\?[\s\S]*?(?:\?>|$)|<!--[\s\S]*?(?:-->|$)|<!DOCTYPE[^>]*(?:>|$)/iy;
// iOS 4.3+ may put control characters into XML; libimobiledevice blanks them out (§0.1).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x08\x0b\x0c\x0e-\x1f]/g;

/** Hands out one token at a time, with one of lookahead. */
class XmlScanner {
  private position = 0;
  private lookahead: Token | undefined;

  constructor(private readonly xml: string) {}

  /** The next element token; white space between elements is not content. */
  next(): Token {
    const token = this.peek();
    if (!token) throw new PlistShapeError('Malformed XML property list: it ends too early.');
    this.lookahead = undefined;
    return token;
  }

  peek(): Token | undefined {
    for (;;) {
      this.lookahead ??= this.scan();
      if (this.lookahead?.kind !== 'text' || this.lookahead.text.trim() !== '') return this.lookahead;
      this.lookahead = undefined;
    }
  }

  /** The next token, white space included. */
  nextRaw(): Token {
    const token = this.lookahead ?? this.scan();
    if (!token) throw new PlistShapeError('Malformed XML property list: it ends too early.');
    this.lookahead = undefined;
    return token;
  }

  /** Text content up to the closing tag (white space included); empty when the element is empty. */
  textUntilClose(name: string): string {
    const token = this.nextRaw();
    if (token.kind === 'close' && token.name === name) return '';
    if (token.kind !== 'text') throw new PlistShapeError(`Malformed XML property list: <${name}> holds markup.`);
    this.expectClose(name);
    return unescapeXml(token.text);
  }

  expectClose(name: string): void {
    const token = this.next();
    if (token.kind !== 'close' || token.name !== name) {
      throw new PlistShapeError(`Malformed XML property list: expected </${name}>, found <${token.name || token.text.slice(0, 20)}>.`);
    }
  }

  /** A tag, or the text up to the next tag (text on both sides of a comment is one run, as before). */
  private scan(): Token | undefined {
    let text = '';
    for (;;) {
      this.skipNonContent();
      if (this.position >= this.xml.length) return text === '' ? undefined : textToken(text);
      if (this.xml.charCodeAt(this.position) !== 0x3c) {
        const end = this.xml.indexOf('<', this.position);
        const stop = end < 0 ? this.xml.length : end;
        text += this.xml.slice(this.position, stop);
        this.position = stop;
        continue;
      }
      if (text !== '') return textToken(text);
      TAG.lastIndex = this.position;
      const match = TAG.exec(this.xml);
      if (!match) throw new PlistShapeError(`Malformed XML property list: a stray "<" at character ${this.position}.`);
      this.position = TAG.lastIndex;
      const [, slash, name = '', selfClose] = match;
      if (slash) return { kind: 'close', name, text: '' };
      return { kind: selfClose ? 'empty' : 'open', name, text: '' };
    }
  }

  private skipNonContent(): void {
    while (this.xml.startsWith('<?', this.position) || this.xml.startsWith('<!', this.position)) {
      NOT_CONTENT.lastIndex = this.position;
      if (!NOT_CONTENT.test(this.xml)) return;
      this.position = NOT_CONTENT.lastIndex;
    }
  }
}

function textToken(text: string): Token {
  return { kind: 'text', name: '', text: text.replace(CONTROL_CHARACTERS, ' ') };
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

/** Decodes an XML plist, refusing one that would grow past `budget` (plist-budget.ts). */
export function decodeXmlPlist(bytes: Buffer, budget: PlistBudget = PLIST_BUDGETS.deviceMessage): PlistValue {
  const scanner = new XmlScanner(bytes.toString('utf8'));
  const first = scanner.next();
  if (first.name !== 'plist' || first.kind === 'text') throw new PlistShapeError('Malformed XML property list: no <plist> element.');
  if (first.kind === 'empty') return {};
  const value = readValue(scanner, new PlistBudgetMeter(budget), 0);
  scanner.expectClose('plist');
  return value;
}

function readValue(scanner: XmlScanner, meter: PlistBudgetMeter, depth: number): PlistValue {
  const token = scanner.next();
  if (token.kind === 'text' || token.kind === 'close') {
    throw new PlistShapeError(`Malformed XML property list: unexpected ${token.kind === 'text' ? 'text' : `</${token.name}>`}.`);
  }
  const empty = token.kind === 'empty';
  const text = (name: string): string => (empty ? '' : scanner.textUntilClose(name));
  switch (token.name) {
    case 'true':
    case 'false':
      meter.count(depth);
      if (!empty) scanner.expectClose(token.name);
      return token.name === 'true';
    case 'string': {
      const value = text('string');
      meter.count(depth, value.length);
      return value;
    }
    case 'integer':
      meter.count(depth);
      return parseInteger(text('integer'));
    case 'real':
      meter.count(depth);
      return parseReal(text('real'));
    case 'date':
      meter.count(depth);
      return parseDate(text('date'));
    case 'data': {
      const value = Buffer.from(text('data').replace(/\s+/g, ''), 'base64');
      meter.count(depth, value.length);
      return value;
    }
    case 'array':
      meter.count(depth);
      return empty ? [] : readArray(scanner, meter, depth);
    case 'dict':
      meter.count(depth);
      return empty ? {} : readDict(scanner, meter, depth);
    default:
      throw new PlistShapeError(`Malformed XML property list: unknown element <${token.name}>.`);
  }
}

function readArray(scanner: XmlScanner, meter: PlistBudgetMeter, depth: number): PlistValue[] {
  const items: PlistValue[] = [];
  for (;;) {
    const next = scanner.peek();
    if (next?.kind === 'close' && next.name === 'array') {
      scanner.next();
      return items;
    }
    items.push(readValue(scanner, meter, depth + 1));
  }
}

function readDict(scanner: XmlScanner, meter: PlistBudgetMeter, depth: number): PlistValue {
  const dict: Record<string, PlistValue> = {};
  for (;;) {
    const token = scanner.next();
    if (token.kind === 'close' && token.name === 'dict') break;
    if (token.name !== 'key' || token.kind === 'text') throw new PlistShapeError('Malformed XML property list: a dict entry has no <key>.');
    const key = token.kind === 'empty' ? '' : scanner.textUntilClose('key');
    meter.count(depth + 1, key.length);
    setPlistEntry(dict, key, readValue(scanner, meter, depth + 1));
  }
  const keys = Object.keys(dict);
  const uid = dict['CF$UID'];
  if (keys.length === 1 && typeof uid === 'number') return new PlistUid(uid);
  return dict;
}

function parseInteger(text: string): number | bigint {
  const trimmed = text.trim();
  // Plist integers are at most 128 bits (39 digits); BigInt of a megabyte of digits takes seconds.
  if (trimmed.length > 48 || !/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(trimmed)) throw new PlistShapeError(`Malformed XML property list: bad integer "${trimmed.slice(0, 30)}".`);
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
