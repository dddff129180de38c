import { SeededRandom } from '../../seeded-random';

/**
 * The phone owner's acquaintances, one list per seed, so Contacts, Messages and Phone tell the same
 * story: the numbers in sms.db's `handle` and CallHistory's `ZADDRESS` are contacts' numbers.
 */
export interface Person {
  readonly first: string;
  readonly last: string;
  readonly organization: string | undefined;
  /** E.164, as iOS stores handles: `+15550123456`. */
  readonly phone: string;
  readonly email: string;
  /** Unix seconds of the record's creation on the phone. */
  readonly createdAt: number;
}

const FIRST_NAMES = ['Ana', 'Ben', 'Chloé', 'Dara', 'Eli', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jun', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Pia'];
const LAST_NAMES = ['Ng', 'Silva', 'Kowalski', 'Haddad', 'Okafor', 'Berg', 'Tanaka', 'Rossi', 'Novak', 'Moreau'];
const ORGANIZATIONS = ['ACME', 'Northwind', 'Globex', 'Initech'];

export function peopleOf(seed: number, count: number, createdBefore: number): Person[] {
  const random = new SeededRandom(seed, 'people');
  const people: Person[] = [];
  const numbers = new Set<string>();
  for (let i = 0; i < count; i++) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    let phone: string;
    do phone = `+1555${String(random.int(0, 9_999_999)).padStart(7, '0')}`;
    while (numbers.has(phone));
    numbers.add(phone);
    people.push({
      first,
      last,
      organization: random.chance(0.2) ? random.pick(ORGANIZATIONS) : undefined,
      phone,
      email: `${first.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}.${last.toLowerCase()}${i}@example.com`,
      createdAt: createdBefore - random.int(30 * 86_400, 6 * 365 * 86_400),
    });
  }
  return people;
}
