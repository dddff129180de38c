import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { BackupBrowser } from '../../src/main/browser';
import { openCallsReader } from '../../src/main/library/calls-reader';
import { openContactsReader } from '../../src/main/library/contacts-reader';
import { openMessagesReader } from '../../src/main/library/messages-reader';
import { openNotesReader } from '../../src/main/library/notes-reader';
import { buildCallHistoryDatabase } from '../../src/simulator/phone/content/app-data/call-history-db';
import { buildContactsDatabase } from '../../src/simulator/phone/content/app-data/contacts-db';
import { buildMessagesDatabase, planMessageAttachments } from '../../src/simulator/phone/content/app-data/messages-db';
import { buildNotesDatabase } from '../../src/simulator/phone/content/app-data/notes-db';
import { peopleOf } from '../../src/simulator/phone/content/app-data/people';

/**
 * Large databases stay responsive (issue 15, item 2): a page of Messages, Contacts, Notes or Call
 * history reads its own rows, however many the database holds. What is measured is SQLite's own
 * plan for every query a page runs (EXPLAIN QUERY PLAN, not a clock, which two shared cores make
 * useless): each table is reached by key (a SEARCH), never read whole (a SCAN) or sorted whole
 * (a TEMP B-TREE), so the rows read are bounded by the page size. The list orders are worked out
 * once per open database and never again. sms.db holds 100,000 messages here.
 */
const SEED = 41;
const NOW = Date.UTC(2026, 10, 1) / 1000;
const FROM = NOW - 3 * 365 * 86_400;
const MESSAGES = 100_000;
const PAGE = 200;

interface Query {
  readonly db: Database.Database;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Every query the library runs (through better-sqlite3's prepare), with its arguments. */
const queries: Query[] = [];
const prepare = Database.prototype.prepare;
vi.spyOn(Database.prototype, 'prepare').mockImplementation(function (this: Database.Database, sql: string) {
  const statement = prepare.call(this, sql);
  for (const method of ['all', 'get', 'run'] as const) {
    const run = statement[method].bind(statement) as (...params: unknown[]) => unknown;
    Object.defineProperty(statement, method, { value: (...params: unknown[]) => (queries.push({ db: this, sql, params }), run(...params)) });
  }
  return statement;
} as typeof prepare);
afterAll(() => vi.restoreAllMocks());

/** The queries `work` ran, checked: each step of each plan finds rows by key. */
function pageQueries<T>(work: () => T): { readonly result: T; readonly plans: readonly string[] } {
  queries.length = 0;
  const result = work();
  const ran = queries.splice(0);
  const plans: string[] = [];
  for (const query of ran) {
    expect(query.sql).toMatch(/^\s*SELECT/i);
    const explain = prepare.call(query.db, `EXPLAIN QUERY PLAN ${query.sql}`) as unknown as { all(...params: unknown[]): Array<{ detail: string }> };
    const steps = explain.all(...query.params);
    for (const { detail } of steps) plans.push(detail);
  }
  return { result, plans };
}

function expectBounded(plans: readonly string[]): void {
  expect(plans.length).toBeGreaterThan(0);
  // SCAN reads a whole table (or index); a TEMP B-TREE sorts everything a query found.
  expect(plans.filter((detail) => /^SCAN\b|TEMP B-TREE/.test(detail))).toEqual([]);
}

const noBrowser = { entry: () => undefined, hasContent: () => false, under: () => [] } as unknown as BackupBrowser;

describe('a page of a large database reads only its own rows', () => {
  const people = peopleOf(SEED, 400, NOW);

  it(`Messages: ${MESSAGES.toLocaleString('en')} messages, paged at the start and the end of the longest conversation`, () => {
    const image = buildMessagesDatabase(SEED, people, MESSAGES, planMessageAttachments(SEED, 200, [2000, 4000], FROM, NOW), FROM);
    const reader = openMessagesReader(image, noBrowser, undefined);
    try {
      expect(reader.messageCount()).toBe(MESSAGES);
      const longest = [...reader.conversations(0, 1000)].sort((a, b) => b.messages - a.messages)[0]!;
      expect(longest.messages).toBeGreaterThan(PAGE * 5);
      reader.messages(longest.id, 0, 1);
      const first = pageQueries(() => reader.messages(longest.id, 0, PAGE));
      const last = pageQueries(() => reader.messages(longest.id, longest.messages - PAGE, PAGE));
      expect(first.result).toHaveLength(PAGE);
      expect(last.result).toHaveLength(PAGE);
      expectBounded(first.plans);
      expectBounded(last.plans);
      // The same plan at the start and the end: reading the last page costs what the first does.
      expect(last.plans).toEqual(first.plans);
      // Oldest first, continuing across pages, as the conversation was written.
      const dates = [...first.result, ...last.result].map((message) => message.at ?? '');
      expect(dates).toEqual([...dates].sort());
      expectBounded(pageQueries(() => [reader.conversations(0, 50), reader.conversationCount(), reader.messageCount(longest.id)]).plans);
      expectBounded(pageQueries(() => reader.messages(undefined, MESSAGES - PAGE, PAGE)).plans);
    } finally {
      reader.close();
    }
  });

  it('Contacts, Notes and Call history page through key lookups too', () => {
    const contacts = openContactsReader(buildContactsDatabase(SEED, people));
    const notes = openNotesReader(buildNotesDatabase(SEED, 3000, FROM));
    const calls = openCallsReader(buildCallHistoryDatabase(SEED, people, 20_000, FROM), undefined);
    try {
      const everyone = contacts.page(0, people.length);
      const page = pageQueries(() => contacts.page(300, 50));
      expect(page.result.map((contact) => contact.id)).toEqual(everyone.slice(300, 350).map((contact) => contact.id));
      expect(page.result.every((contact) => contact.phones.length > 0)).toBe(true);
      expectBounded(page.plans);
      expectBounded(pageQueries(() => contacts.count()).plans);
      notes.page(0, 1);
      const notePage = pageQueries(() => [notes.count(), notes.page(2500, PAGE)]);
      expect((notePage.result[1] as unknown[]).length).toBe(PAGE);
      expectBounded(notePage.plans);
      calls.page(0, 1);
      const callPage = pageQueries(() => [calls.count(), calls.page(19_000, PAGE)]);
      expect((callPage.result[1] as unknown[]).length).toBe(PAGE);
      expectBounded(callPage.plans);
    } finally {
      contacts.close();
      notes.close();
      calls.close();
    }
  });
});
