import { SeededRandom } from '../../seeded-random';
import { appleSeconds, sqliteImage } from './sqlite-image';

/**
 * HomeDomain `Library/Calendar/Calendar.sqlitedb` (what iLEAPP's calendarAll.py reads): Store,
 * Calendar, CalendarItem with start/end in seconds since 2001, Location, Participant and Identity.
 */
const SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE Store (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, default_alarm_offset INTEGER, type INTEGER, constraint_path TEXT,
  disabled INTEGER, external_id TEXT, persistent_id TEXT, flags INTEGER, external_mod_tag TEXT, creator_bundle_id TEXT, UUID TEXT);
CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT, flags INTEGER, color TEXT, symbolic_color_name TEXT,
  color_is_display INTEGER, type TEXT, supported_entity_types INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT,
  external_rep BLOB, display_order INTEGER, UUID TEXT, shared_owner_name TEXT, shared_owner_address TEXT, sharing_status INTEGER,
  sharing_invitation_response INTEGER, published_URL TEXT, is_published INTEGER, invitation_status INTEGER, sync_token TEXT,
  self_identity_id INTEGER, self_identity_email TEXT, owner_identity_id INTEGER, owner_identity_email TEXT, notes TEXT, bulk_requests BLOB);
CREATE TABLE Identity (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, display_name TEXT, address TEXT, first_name TEXT, last_name TEXT);
CREATE TABLE Location (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, address TEXT, latitude REAL, longitude REAL,
  reference_frame INTEGER, radius REAL, routing TEXT, map_kit_handle BLOB, item_owner_id INTEGER, alarm_owner_id INTEGER, external_rep BLOB);
CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER, pending_status INTEGER,
  role INTEGER, identity_id INTEGER, owner_id INTEGER, external_rep BLOB, UUID TEXT, email TEXT, phone_number TEXT, is_self INTEGER);
CREATE TABLE Attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER, file_id INTEGER, external_id TEXT, UUID TEXT);
CREATE TABLE AttachmentFile (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, filename TEXT, file_size INTEGER, url TEXT);
CREATE TABLE Sharee (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER, identity_id INTEGER, access_level INTEGER, status INTEGER);
CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT, location_id INTEGER, description TEXT, start_date REAL,
  start_tz TEXT, end_date REAL, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER, orig_date REAL, organizer_id INTEGER,
  self_attendee_id INTEGER, status INTEGER, invitation_status INTEGER, availability INTEGER, privacy_level INTEGER, url TEXT,
  last_modified REAL, sequence_num INTEGER, birthday_id INTEGER, modified_properties INTEGER, external_tracking_status INTEGER,
  external_id TEXT, external_mod_tag TEXT, unique_identifier TEXT, external_schedule_id TEXT, external_rep BLOB, response_comment TEXT,
  hidden INTEGER, has_recurrences INTEGER, has_attendees INTEGER, UUID TEXT, entity_type INTEGER, priority INTEGER, due_date REAL,
  due_tz TEXT, due_all_day INTEGER, completion_date REAL, creation_date REAL, conference_url TEXT, conference_url_detected TEXT,
  calendar_scale TEXT, travel_time INTEGER, start_location_id INTEGER);
CREATE INDEX CalendarItem_calendar_id ON CalendarItem(calendar_id);
`;

const TITLES = ['Dentist', 'Team meeting', 'Lunch with Ana', 'Flight to Lisbon', 'Yoga', 'Parent evening', 'Car service', 'Book club'];
const PLACES: ReadonlyArray<readonly [string, string, number, number]> = [
  ['Café Central', 'Herrengasse 14, Vienna', 48.2104, 16.3655],
  ['Office', '1 Infinite Loop, Cupertino', 37.3318, -122.0312],
  ['Gym', '200 Main St, Springfield', 39.7817, -89.6501],
];

export function buildCalendarDatabase(seed: number, events: number, from: number): Buffer {
  return sqliteImage(`calendar|${seed}|${events}|${from}`, (db) => {
    const random = new SeededRandom(seed, 'calendar');
    db.exec(SCHEMA);
    db.prepare("INSERT INTO _SqliteDatabaseProperties (key, value) VALUES ('CalendarDBVersion', '24021')").run();
    db.prepare("INSERT INTO Store (name, type, disabled, flags, UUID) VALUES ('Default', 0, 0, 0, ?)").run(random.uuid());
    db.prepare("INSERT INTO Calendar (store_id, title, flags, color, symbolic_color_name, type, supported_entity_types, display_order, UUID, sharing_status) VALUES (1, 'Home', 0, '#1BADF8', 'blue', 'Local', 4, 0, ?, 0)").run(random.uuid());
    db.prepare("INSERT INTO Calendar (store_id, title, flags, color, symbolic_color_name, type, supported_entity_types, display_order, UUID, sharing_status) VALUES (1, 'Work', 0, '#FF2968', 'red', 'Local', 4, 1, ?, 0)").run(random.uuid());
    const addLocation = db.prepare('INSERT INTO Location (title, address, latitude, longitude, item_owner_id) VALUES (?, ?, ?, ?, ?)');
    const setLocation = db.prepare('UPDATE CalendarItem SET location_id = ? WHERE ROWID = ?');
    const addItem = db.prepare(`INSERT INTO CalendarItem (summary, description, start_date, start_tz, end_date, all_day, calendar_id, status,
      availability, privacy_level, last_modified, sequence_num, hidden, has_recurrences, has_attendees, UUID, unique_identifier, entity_type,
      priority, creation_date) VALUES (@summary, @description, @start, 'Etc/UTC', @end, @allDay, @calendar, 0, 0, 0, @modified, 0, 0, 0, 0,
      @uuid, @uuid, 2, 0, @created)`);
    let at = from;
    for (let i = 0; i < events; i++) {
      at += random.int(3_600, 400_000);
      const allDay = random.chance(0.15);
      const start = appleSeconds(allDay ? at - (at % 86_400) : at);
      const created = start - random.int(86_400, 30 * 86_400);
      const id = addItem.run({
        summary: random.pick(TITLES),
        description: random.chance(0.3) ? 'Bring the documents.' : null,
        start,
        end: start + (allDay ? 86_400 : random.int(1, 8) * 1_800),
        allDay: allDay ? 1 : 0,
        calendar: random.int(1, 2),
        modified: created + random.int(0, 86_400),
        uuid: random.uuid(),
        created,
      }).lastInsertRowid;
      if (random.chance(0.4)) {
        const [title, address, latitude, longitude] = random.pick(PLACES);
        setLocation.run(addLocation.run(title, address, latitude, longitude, id).lastInsertRowid, id);
      }
    }
  });
}
