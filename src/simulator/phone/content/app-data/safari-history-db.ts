import { SeededRandom } from '../../seeded-random';
import { appleSeconds, sqliteImage } from './sqlite-image';

/**
 * HomeDomain `Library/Safari/History.db` (what iLEAPP's safariHistory.py and mvt's safari_history.py
 * read): history_items (one per URL, with visit_count) and history_visits (one per visit, visit_time
 * in seconds since 2001, origin 0 = this phone).
 */
const SCHEMA = `
CREATE TABLE metadata (key TEXT NOT NULL UNIQUE, value);
CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, domain_expansion TEXT NULL,
  visit_count INTEGER NOT NULL, daily_visit_counts BLOB NOT NULL, weekly_visit_counts BLOB NULL, autocomplete_triggers BLOB NULL,
  should_recompute_derived_visit_counts INTEGER NOT NULL, visit_count_score INTEGER NOT NULL, status_code INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT,
  history_item INTEGER NOT NULL REFERENCES history_items(id) ON DELETE CASCADE, visit_time REAL NOT NULL, title TEXT NULL,
  load_successful BOOLEAN NOT NULL DEFAULT 1, http_non_get BOOLEAN NOT NULL DEFAULT 0, synthesized BOOLEAN NOT NULL DEFAULT 0,
  redirect_source INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,
  redirect_destination INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,
  origin INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 0, attributes INTEGER NOT NULL DEFAULT 0,
  score INTEGER NOT NULL DEFAULT 0, UNIQUE(history_item, visit_time));
CREATE TABLE history_tombstones (id INTEGER PRIMARY KEY AUTOINCREMENT, start_time REAL NOT NULL, end_time REAL NOT NULL, url TEXT,
  generation INTEGER NOT NULL DEFAULT 0);
CREATE INDEX history_visits__last_visit ON history_visits (history_item, visit_time DESC, synthesized ASC);
CREATE INDEX history_visits__origin ON history_visits (origin, generation);
`;

const SITES: ReadonlyArray<readonly [string, string, string]> = [
  ['https://www.apple.com/', 'apple', 'Apple'],
  ['https://en.wikipedia.org/wiki/Lifeboat', 'wikipedia', 'Lifeboat - Wikipedia'],
  ['https://www.example.com/', 'example', 'Example Domain'],
  ['https://news.ycombinator.com/', 'ycombinator', 'Hacker News'],
  ['https://www.weather.gov/', 'weather', 'National Weather Service'],
  ['https://support.apple.com/en-us/108313', 'apple', 'About encrypted backups on your iPhone'],
  ['https://developer.apple.com/documentation/', 'developer', 'Apple Developer Documentation'],
  ['https://www.openstreetmap.org/', 'openstreetmap', 'OpenStreetMap'],
];

export function buildSafariHistoryDatabase(seed: number, visits: number, from: number): Buffer {
  return sqliteImage(`safari-history|${seed}|${visits}|${from}`, (db) => {
    const random = new SeededRandom(seed, 'safari-history');
    db.exec(SCHEMA);
    db.prepare("INSERT INTO metadata (key, value) VALUES ('version', 20)").run();
    const addItem = db.prepare(`INSERT INTO history_items (url, domain_expansion, visit_count, daily_visit_counts, should_recompute_derived_visit_counts,
      visit_count_score) VALUES (?, ?, 0, ?, 0, 0)`);
    const addVisit = db.prepare('INSERT INTO history_visits (history_item, visit_time, title, origin) VALUES (?, ?, ?, 0)');
    const countVisit = db.prepare('UPDATE history_items SET visit_count = visit_count + 1, visit_count_score = visit_count_score + 100 WHERE id = ?');
    for (const [url, expansion] of SITES) addItem.run(url, expansion, Buffer.alloc(4));
    let at = from;
    for (let i = 0; i < visits; i++) {
      at += random.int(60, 90_000);
      const item = random.int(1, SITES.length);
      addVisit.run(item, appleSeconds(at) + random.int(0, 999) / 1000, SITES[item - 1]?.[2] ?? null);
      countVisit.run(item);
    }
  });
}
