import type { VoicemailRow } from '../../shared/contract-library';
import type { BackupBrowser } from '../browser';
import { numberOf, openAppDatabase, textOf } from './app-database';
import type { PeopleNames } from './contacts-reader';
import { KNOWN_FILES, mediaRef } from './library-files';

/**
 * Visual voicemail from HomeDomain `Library/Voicemail/voicemail.db` (iLEAPP's voicemail.py): the
 * `voicemail` table (date in Unix seconds, sender, duration in seconds), each message's audio in
 * `Library/Voicemail/<ROWID>.amr` beside it. Many phones keep none: carriers without visual
 * voicemail, or backups made after it moved to iCloud.
 */
export interface VoicemailReader {
  count(): number;
  page(offset: number, limit: number): VoicemailRow[];
  close(): void;
}

export function openVoicemailReader(bytes: Buffer, browser: BackupBrowser, people: PeopleNames | undefined): VoicemailReader {
  const database = openAppDatabase(bytes, KNOWN_FILES.voicemail.what, [{ table: 'voicemail', columns: ['ROWID', 'date', 'sender'], optional: ['duration', 'trashed_date'] }]);
  const duration = database.has('voicemail', 'duration') ? 'duration' : '0';
  const notTrashed = database.has('voicemail', 'trashed_date') ? 'WHERE COALESCE(trashed_date, 0) = 0' : '';
  return {
    count: () => database.get<{ n: number }>(`SELECT COUNT(*) AS n FROM voicemail ${notTrashed}`)?.n ?? 0,
    page(offset, limit) {
      const rows = database.all<{ id: number; date: unknown; sender: unknown; duration: unknown }>(
        `SELECT ROWID AS id, date, sender, ${duration} AS duration FROM voicemail ${notTrashed} ORDER BY date DESC, ROWID DESC LIMIT ? OFFSET ?`,
        limit,
        offset,
      );
      return rows.map((row) => {
        const number = textOf(row.sender, 500);
        const seconds = numberOf(row.date);
        const audio = mediaRef(browser, KNOWN_FILES.voicemail.domain, `Library/Voicemail/${row.id}.amr`);
        return {
          kind: 'voicemail',
          id: row.id,
          who: people?.nameOf(number) ?? (number || 'Unknown'),
          number,
          ...(seconds > 0 ? { at: new Date(seconds * 1000).toISOString() } : {}),
          durationSeconds: Math.max(0, Math.round(numberOf(row.duration))),
          ...(audio.missing ? {} : { audio }),
        };
      });
    },
    close: () => database.close(),
  };
}
