import { SeededRandom } from '../../seeded-random';
import type { Person } from './people';
import { appleSeconds, coreDataTables, sqliteImage } from './sqlite-image';

/**
 * HomeDomain `Library/CallHistoryDB/CallHistory.storedata`, a Core Data store (the columns iLEAPP's
 * callHistory.py and mvt read): ZCALLRECORD with ZDATE in seconds since 2001, ZADDRESS as a blob
 * of the number, ZCALLTYPE 1 phone / 8 FaceTime video / 16 FaceTime audio.
 */
const SCHEMA = `
CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZANSWERED INTEGER, ZCALLTYPE INTEGER,
  ZCALL_CATEGORY INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA INTEGER, ZHANDLE_TYPE INTEGER, ZNUMBER_AVAILABILITY INTEGER,
  ZORIGINATED INTEGER, ZREAD INTEGER, ZJUNKCONFIDENCE INTEGER, ZJUNKIDENTIFICATIONCATEGORY INTEGER, ZVERIFICATIONSTATUS INTEGER,
  ZDATE TIMESTAMP, ZDURATION FLOAT, ZADDRESS BLOB, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR,
  ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR, ZLOCALPARTICIPANTUUID BLOB, ZOUTGOINGLOCALPARTICIPANTUUID BLOB,
  ZPARTICIPANTGROUPUUID BLOB, ZSPAMSCORE INTEGER, ZFILTEREDOUTREASON INTEGER);
CREATE TABLE ZHANDLE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTYPE INTEGER, ZNORMALIZEDVALUE VARCHAR, ZVALUE VARCHAR);
CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES (Z_2REMOTEPARTICIPANTCALLS INTEGER, Z_4REMOTEPARTICIPANTHANDLES INTEGER,
  PRIMARY KEY (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES));
CREATE INDEX ZCALLRECORD_ZDATE_INDEX ON ZCALLRECORD (ZDATE);
`;

const CALL_TYPES = [1, 1, 1, 8, 16] as const;
const PHONE_PROVIDER = 'com.apple.Telephony';
const FACETIME_PROVIDER = 'com.apple.FaceTime';

export function buildCallHistoryDatabase(seed: number, people: readonly Person[], calls: number, from: number): Buffer {
  return sqliteImage(`callhistory|${seed}|${people.length}|${calls}|${from}`, (db) => {
    const random = new SeededRandom(seed, 'call-history');
    db.exec(SCHEMA);
    const addCall = db.prepare(`INSERT INTO ZCALLRECORD (Z_ENT, Z_OPT, ZANSWERED, ZCALLTYPE, ZCALL_CATEGORY, ZDISCONNECTED_CAUSE, ZFACE_TIME_DATA,
      ZHANDLE_TYPE, ZNUMBER_AVAILABILITY, ZORIGINATED, ZREAD, ZJUNKCONFIDENCE, ZJUNKIDENTIFICATIONCATEGORY, ZVERIFICATIONSTATUS, ZDATE,
      ZDURATION, ZADDRESS, ZISO_COUNTRY_CODE, ZLOCATION, ZNAME, ZSERVICE_PROVIDER, ZUNIQUE_ID, ZSPAMSCORE, ZFILTEREDOUTREASON)
      VALUES (2, 1, @answered, @type, 1, 0, NULL, 2, 0, @originated, 1, 0, 0, 0, @date, @duration, @address, 'us', 'United States', @name,
      @provider, @uid, 0, 0)`);
    const addHandle = db.prepare('INSERT INTO ZHANDLE (Z_ENT, Z_OPT, ZTYPE, ZNORMALIZEDVALUE, ZVALUE) VALUES (4, 1, 2, ?, ?)');
    const linkHandle = db.prepare('INSERT OR IGNORE INTO Z_2REMOTEPARTICIPANTHANDLES VALUES (?, ?)');
    const handleIds = new Map<string, number | bigint>();
    let at = from;
    for (let i = 0; i < calls; i++) {
      at += random.int(600, 200_000);
      const person = random.pick(people);
      const type = random.pick(CALL_TYPES);
      const originated = random.chance(0.5);
      const answered = originated || random.chance(0.8);
      const callId = addCall.run({
        answered: answered ? 1 : 0,
        type,
        originated: originated ? 1 : 0,
        date: appleSeconds(at),
        duration: answered ? random.int(5, 3_600) + random.int(0, 999) / 1000 : 0,
        // iOS keeps the number as bytes (iLEAPP strips the b'…' it prints); a blob of its UTF-8.
        address: Buffer.from(person.phone, 'utf8'),
        name: random.chance(0.3) ? `${person.first} ${person.last}` : null,
        provider: type === 1 ? PHONE_PROVIDER : FACETIME_PROVIDER,
        uid: random.uuid(),
      }).lastInsertRowid;
      let handleId = handleIds.get(person.phone);
      if (handleId === undefined) {
        handleId = addHandle.run(person.phone, person.phone).lastInsertRowid;
        handleIds.set(person.phone, handleId);
      }
      linkHandle.run(callId, handleId);
    }
    coreDataTables(db, [
      { name: 'CallDBProperties', max: 0 },
      { name: 'CallRecord', max: calls },
      { name: 'EmergencyMediaItem', max: 0 },
      { name: 'Handle', max: handleIds.size },
    ], 'CallHistory');
  });
}
