import { createHash } from 'node:crypto';
import type { Phone, PhoneEntry } from './phone-model';

/**
 * Compares phones the way a restore must be judged (protocol.md §7.3): every entry present with
 * the same kind, mode, size, mtime, content and link target. Inodes and ctimes are the phone's
 * own business and are not compared.
 */
export type PhoneDifferenceKind = 'missing' | 'extra' | 'kind' | 'mode' | 'size' | 'mtime' | 'content' | 'linkTarget';

export interface PhoneDifference {
  readonly domain: string;
  readonly relativePath: string;
  readonly difference: PhoneDifferenceKind;
  readonly expected?: string | number;
  readonly actual?: string | number;
}

export interface CompareOptions {
  /** Hash and compare file contents (default true). */
  readonly content?: boolean;
  /** Compare directory mtimes (default false: restores rebuild directories when they see fit). */
  readonly directoryMtimes?: boolean;
  /** Entries to leave out on both sides, e.g. sync housekeeping files. */
  readonly skip?: (entry: PhoneEntry) => boolean;
  /** Stop after this many differences (default 1000). */
  readonly limit?: number;
}

export async function contentSha1(phone: Phone, entry: PhoneEntry): Promise<string> {
  const hash = createHash('sha1');
  if (entry.kind === 'file') for await (const chunk of phone.readContent(entry)) hash.update(chunk);
  return hash.digest('hex');
}

/** Byte order of UTF-8, which is how SQLite orders the entries. */
function compareKeys(a: PhoneEntry, b: PhoneEntry): number {
  return Buffer.compare(Buffer.from(`${a.domain}\u0000${a.relativePath}`), Buffer.from(`${b.domain}\u0000${b.relativePath}`));
}

function* filtered(phone: Phone, skip: CompareOptions['skip']): Generator<PhoneEntry> {
  for (const entry of phone.entries()) if (!skip?.(entry)) yield entry;
}

/** Lists how `actual` differs from `expected`; an empty list means the phones are equal. */
export async function comparePhones(expected: Phone, actual: Phone, options: CompareOptions = {}): Promise<PhoneDifference[]> {
  const differences: PhoneDifference[] = [];
  const limit = options.limit ?? 1000;
  const left = filtered(expected, options.skip);
  const right = filtered(actual, options.skip);
  let a = left.next();
  let b = right.next();
  const note = (entry: PhoneEntry, difference: PhoneDifferenceKind, e?: string | number, x?: string | number): void => {
    differences.push({ domain: entry.domain, relativePath: entry.relativePath, difference, ...(e === undefined ? {} : { expected: e }), ...(x === undefined ? {} : { actual: x }) });
  };
  while ((!a.done || !b.done) && differences.length < limit) {
    const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value, b.value);
    if (order < 0 && !a.done) {
      note(a.value, 'missing');
      a = left.next();
    } else if (order > 0 && !b.done) {
      note(b.value, 'extra');
      b = right.next();
    } else if (!a.done && !b.done) {
      await compareEntries(expected, actual, a.value, b.value, options, note);
      a = left.next();
      b = right.next();
    }
  }
  return differences;
}

async function compareEntries(
  expectedPhone: Phone,
  actualPhone: Phone,
  e: PhoneEntry,
  x: PhoneEntry,
  options: CompareOptions,
  note: (entry: PhoneEntry, difference: PhoneDifferenceKind, e?: string | number, x?: string | number) => void,
): Promise<void> {
  if (e.kind !== x.kind) return note(e, 'kind', e.kind, x.kind);
  if (e.mode !== x.mode) note(e, 'mode', e.mode.toString(8), x.mode.toString(8));
  if (e.size !== x.size) note(e, 'size', e.size, x.size);
  if (e.mtime !== x.mtime && (e.kind !== 'directory' || options.directoryMtimes === true)) note(e, 'mtime', e.mtime, x.mtime);
  if ((e.linkTarget ?? '') !== (x.linkTarget ?? '')) note(e, 'linkTarget', e.linkTarget ?? '', x.linkTarget ?? '');
  if (e.kind === 'file' && options.content !== false && e.size === x.size) {
    const [he, hx] = await Promise.all([contentSha1(expectedPhone, e), contentSha1(actualPhone, x)]);
    if (he !== hx) note(e, 'content', he, hx);
  }
}

/** One SHA-1 over every entry's compared fields and content: equal phones have equal digests. */
export async function phoneDigest(phone: Phone, options: Pick<CompareOptions, 'skip' | 'content'> = {}): Promise<string> {
  const hash = createHash('sha1');
  for (const entry of filtered(phone, options.skip)) {
    const content = entry.kind === 'file' && options.content !== false ? await contentSha1(phone, entry) : '';
    hash.update(`${entry.domain}\u0000${entry.relativePath}\u0000${entry.kind}\u0000${entry.mode}\u0000${entry.size}\u0000`);
    hash.update(`${entry.kind === 'directory' ? 0 : entry.mtime}\u0000${entry.linkTarget ?? ''}\u0000${content}\n`);
  }
  return hash.digest('hex');
}

/** Sync bookkeeping a restore legitimately leaves different; pass as `skip` when comparing. */
export function isSyncHousekeeping(entry: PhoneEntry): boolean {
  return entry.domain === 'MediaDomain' && /^Media\/(com\.apple\.itunes\.lock_sync$|iTunes_Control(\/|$)|iTunesRestore(\/|$)|PublicStaging(\/|$))/.test(entry.relativePath);
}
