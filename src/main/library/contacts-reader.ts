import type { ContactRow, LabeledValue } from '../../shared/contract-library';
import { type AppDatabase, listLength, openAppDatabase, textOf } from './app-database';
import { KNOWN_FILES } from './library-files';

/**
 * Contacts from HomeDomain `Library/AddressBook/AddressBook.sqlitedb` (the tables iLEAPP's
 * addressBook.py reads): ABPerson, and ABMultiValue rows with property 3 (phone) or 4 (e-mail),
 * whose `label` points at ABMultiValueLabel's rowid (`_$!<Mobile>!$_`).
 */
const PHONE_PROPERTY = 3;
const EMAIL_PROPERTY = 4;

export interface ContactsReader {
  count(query?: string): number;
  page(offset: number, limit: number, query?: string): ContactRow[];
  /** Every contact in name order, a page at a time (exports). */
  all(): Generator<ContactRow>;
  /** Contact names by phone number and e-mail address, for Messages and Calls. */
  names(): PeopleNames;
  close(): void;
}

/** Finds a contact's name for a number or address the way the phone matches them. */
export interface PeopleNames {
  nameOf(handle: string): string | undefined;
}

export function openContactsReader(bytes: Buffer): ContactsReader {
  const database = openAppDatabase(bytes, KNOWN_FILES.contacts.what, [
    { table: 'ABPerson', columns: ['ROWID', 'First', 'Last'], optional: ['Organization', 'Note', 'Middle'] },
    { table: 'ABMultiValue', columns: ['record_id', 'property', 'label', 'value'] },
  ], [{ table: 'ABMultiValueLabel', columns: ['value'] }]);
  return contactsOver(database);
}

function contactsOver(database: AppDatabase): ContactsReader {
  const organization = database.has('ABPerson', 'Organization') ? 'Organization' : 'NULL';
  const note = database.has('ABPerson', 'Note') ? 'Note' : 'NULL';
  const labels = new Map<number, string>();
  if (database.hasTable('ABMultiValueLabel')) {
    for (const row of database.all<{ id: number; value: unknown }>('SELECT rowid AS id, value FROM ABMultiValueLabel')) labels.set(row.id, labelText(textOf(row.value)));
  }
  // People are matched on their names and on their numbers and addresses.
  const filter = `(COALESCE(First, '') || ' ' || COALESCE(Last, '') || ' ' || COALESCE(${organization}, '')) LIKE @like ESCAPE '\\'
    OR ROWID IN (SELECT record_id FROM ABMultiValue WHERE value LIKE @like ESCAPE '\\')`;
  const where = (query: string | undefined): string => (query ? `WHERE ${filter}` : '');
  const order = `ORDER BY COALESCE(NULLIF(Last, ''), NULLIF(First, ''), ${organization}) COLLATE NOCASE, First COLLATE NOCASE, ROWID`;
  const params = (query: string | undefined) => (query ? { like: `%${escapeLike(query)}%` } : {});

  // Large address books (issue 15): the list's order and each person's numbers and addresses, found
  // through an index of Lifeboat's own, are worked out once; a page then reads only its own people.
  const contactOrder = (): string => database.materialize('contacts', ['person_id'], `SELECT ROWID FROM ABPerson ${order}`);
  const toRows = (people: Array<{ id: number; first: unknown; last: unknown; organization: unknown; note: unknown }>): ContactRow[] => {
    if (people.length === 0) return [];
    const byPerson = database.materialize('contact_values', ['record_id', 'property', 'label', 'value'],
      `SELECT record_id, property, label, value FROM ABMultiValue WHERE property IN (${PHONE_PROPERTY}, ${EMAIL_PROPERTY}) ORDER BY UID`, ['record_id']);
    // In the phone's order (UID), sorted here: the page's few values, not a sort in SQLite.
    const values = database.all<{ position: number; record_id: number; property: number; label: number | null; value: unknown }>(
      `SELECT position, record_id, property, label, value FROM ${byPerson} WHERE record_id IN (${people.map(() => '?').join(',')})`,
      ...people.map((person) => person.id),
    ).sort((a, b) => a.position - b.position);
    return people.map((person) => {
      const mine = values.filter((value) => value.record_id === person.id);
      const labelled = (property: number): LabeledValue[] => mine.filter((value) => value.property === property).map((value) => ({ label: labels.get(value.label ?? -1) ?? '', value: textOf(value.value, 1000) }));
      const first = textOf(person.first, 500);
      const last = textOf(person.last, 500);
      const org = textOf(person.organization, 500);
      const name = [first, last].filter(Boolean).join(' ') || org || labelled(PHONE_PROPERTY)[0]?.value || labelled(EMAIL_PROPERTY)[0]?.value || 'No name';
      return {
        kind: 'contact' as const,
        id: person.id,
        name,
        ...(first ? { first } : {}),
        ...(last ? { last } : {}),
        ...(org ? { organization: org } : {}),
        phones: labelled(PHONE_PROPERTY),
        emails: labelled(EMAIL_PROPERTY),
        ...(textOf(person.note) ? { note: textOf(person.note, 10_000) } : {}),
      };
    });
  };
  const select = `SELECT ROWID AS id, First AS first, Last AS last, ${organization} AS organization, ${note} AS note FROM ABPerson`;
  /** The people at list positions first…last, in order. */
  const peopleAt = (first: number, last: number): ContactRow[] =>
    toRows(database.all(`SELECT p.ROWID AS id, p.First AS first, p.Last AS last, ${organization === 'NULL' ? 'NULL' : 'p.Organization'} AS organization, ${note === 'NULL' ? 'NULL' : 'p.Note'} AS note
      FROM ${contactOrder()} o JOIN ABPerson p ON p.ROWID = o.person_id WHERE o.position BETWEEN ? AND ? ORDER BY o.position`, first, last));

  return {
    // A filter is a search: it reads every person once (names, numbers and addresses).
    count: (query) => (query ? database.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ABPerson ${where(query)}`, params(query))?.n ?? 0 : listLength(database, contactOrder())),
    page: (offset, limit, query) => (query ? toRows(database.all(`${select} ${where(query)} ${order} LIMIT @limit OFFSET @offset`, { ...params(query), limit, offset })) : peopleAt(offset + 1, offset + limit)),
    *all() {
      const pageSize = 500;
      for (let offset = 0; ; offset += pageSize) {
        const rows = peopleAt(offset + 1, offset + pageSize);
        yield* rows;
        if (rows.length < pageSize) return;
      }
    },
    names() {
      const byKey = new Map<string, string>();
      const people = database.all<{ id: number; first: unknown; last: unknown; organization: unknown }>(`SELECT ROWID AS id, First AS first, Last AS last, ${organization} AS organization FROM ABPerson`);
      const nameById = new Map(people.map((person) => [person.id, [textOf(person.first, 500), textOf(person.last, 500)].filter(Boolean).join(' ') || textOf(person.organization, 500)]));
      for (const value of database.all<{ record_id: number; value: unknown }>(`SELECT record_id, value FROM ABMultiValue WHERE property IN (${PHONE_PROPERTY}, ${EMAIL_PROPERTY})`)) {
        const name = nameById.get(value.record_id);
        const key = handleKey(textOf(value.value, 1000));
        if (name && key && !byKey.has(key)) byKey.set(key, name);
      }
      return { nameOf: (handle) => byKey.get(handleKey(handle)) };
    },
    close: () => database.close(),
  };
}

/** `_$!<Mobile>!$_` → `Mobile`; a custom label stays as typed. */
function labelText(label: string): string {
  const match = /^_\$!<(.*)>!\$_$/.exec(label);
  return match?.[1] ?? label;
}

/**
 * The part of a number or address that identifies it: an address in lower case; a number's last
 * ten digits, so `+1 (555) 012-3456`, `5550123456` and `+15550123456` are the same person.
 */
export function handleKey(handle: string): string {
  if (handle.includes('@')) return handle.trim().toLowerCase();
  const digits = handle.replace(/\D/g, '');
  return digits.length > 10 ? digits.slice(-10) : digits;
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
