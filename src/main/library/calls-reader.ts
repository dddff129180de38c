import type { CallRow } from '../../shared/contract-library';
import { appleDate, listLength, numberOf, openAppDatabase, textOf } from './app-database';
import type { PeopleNames } from './contacts-reader';
import { KNOWN_FILES } from './library-files';

/**
 * Calls from HomeDomain `Library/CallHistoryDB/CallHistory.storedata`, a Core Data store (the
 * columns iLEAPP's callHistory.py reads): ZCALLRECORD with ZDATE in seconds since 2001, ZADDRESS
 * the number (a blob of its UTF-8 on recent iOS), ZORIGINATED 1 for outgoing, ZANSWERED, ZDURATION,
 * and ZCALLTYPE 1 phone, 8 FaceTime video, 16 FaceTime audio.
 */
export interface CallsReader {
  count(): number;
  page(offset: number, limit: number): CallRow[];
  close(): void;
}

const SERVICES: Readonly<Record<number, CallRow['service']>> = { 1: 'phone', 8: 'facetime-video', 16: 'facetime-audio' };

export function openCallsReader(bytes: Buffer, people: PeopleNames | undefined): CallsReader {
  const database = openAppDatabase(bytes, KNOWN_FILES.calls.what, [
    { table: 'ZCALLRECORD', columns: ['Z_PK', 'ZDATE', 'ZADDRESS', 'ZORIGINATED', 'ZANSWERED', 'ZDURATION'], optional: ['ZCALLTYPE', 'ZNAME'] },
  ]);
  const callType = database.has('ZCALLRECORD', 'ZCALLTYPE') ? 'ZCALLTYPE' : 'NULL';
  const name = database.has('ZCALLRECORD', 'ZNAME') ? 'ZNAME' : 'NULL';
  // Newest first, worked out once; a page then reads only its own calls.
  const callOrder = (): string => database.materialize('calls', ['call_id'], 'SELECT Z_PK FROM ZCALLRECORD ORDER BY ZDATE DESC, Z_PK DESC');
  return {
    count: () => listLength(database, callOrder()),
    page(offset, limit) {
      const rows = database.all<{ id: number; date: unknown; address: unknown; originated: unknown; answered: unknown; duration: unknown; type: unknown; name: unknown }>(
        `SELECT c.Z_PK AS id, c.ZDATE AS date, c.ZADDRESS AS address, c.ZORIGINATED AS originated, c.ZANSWERED AS answered, c.ZDURATION AS duration,
           ${callType === 'NULL' ? 'NULL' : 'c.ZCALLTYPE'} AS type, ${name === 'NULL' ? 'NULL' : 'c.ZNAME'} AS name
         FROM ${callOrder()} o JOIN ZCALLRECORD c ON c.Z_PK = o.call_id WHERE o.position BETWEEN ? AND ? ORDER BY o.position`,
        offset + 1,
        offset + limit,
      );
      return rows.map((row) => {
        const number = textOf(row.address, 500);
        const at = appleDate(row.date);
        const outgoing = numberOf(row.originated) === 1;
        return {
          kind: 'call',
          id: row.id,
          ...(at ? { at } : {}),
          who: people?.nameOf(number) ?? (textOf(row.name, 500) || number || 'Unknown'),
          number,
          direction: outgoing ? 'outgoing' : numberOf(row.answered) === 1 ? 'incoming' : 'missed',
          service: SERVICES[numberOf(row.type)] ?? 'other',
          durationSeconds: Math.max(0, Math.round(numberOf(row.duration))),
        };
      });
    },
    close: () => database.close(),
  };
}
