import { SeededRandom } from '../../seeded-random';
import type { Person } from './people';
import { sqliteImage } from './sqlite-image';

/**
 * Visual voicemail as an iPhone keeps it (the columns iLEAPP's voicemail.py reads): HomeDomain
 * `Library/Voicemail/voicemail.db`, one `voicemail` row per message (date in Unix seconds, not
 * Apple's 2001 epoch; sender and callback number; duration in seconds; trashed_date 0 unless
 * deleted), and the audio beside it as `Library/Voicemail/<ROWID>.amr` (AMR narrowband, RFC 4867
 * §5 storage format: the `#!AMR\n` magic, then 20 ms frames).
 */
const SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE voicemail (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, remote_uid INTEGER, date INTEGER, token TEXT, sender TEXT,
  callback_num TEXT, duration INTEGER, expiration INTEGER, trashed_date INTEGER, flags INTEGER, receiver TEXT, uuid TEXT,
  label TEXT, transcription_status INTEGER);
CREATE INDEX date_index ON voicemail (date);
CREATE INDEX remote_uid_index ON voicemail (remote_uid);
`;

export interface Voicemail {
  /** The row's ROWID, which names its audio file. */
  readonly id: number;
  readonly date: number;
  readonly sender: string;
  readonly durationSeconds: number;
}

/** The voicemails a phone holds, oldest first, deterministic from the seed. */
export function planVoicemails(seed: number, people: readonly Person[], count: number, from: number, to: number): Voicemail[] {
  if (people.length === 0) return [];
  const random = new SeededRandom(seed, 'voicemail');
  const dates = Array.from({ length: count }, () => random.int(from, to)).sort((a, b) => a - b);
  return dates.map((date, index) => ({ id: index + 1, date, sender: random.pick(people).phone, durationSeconds: random.int(4, 40) }));
}

export function buildVoicemailDatabase(seed: number, voicemails: readonly Voicemail[]): Buffer {
  return sqliteImage(`voicemail|${seed}|${voicemails.map((voicemail) => `${voicemail.id}:${voicemail.date}`).join(',')}`, (db) => {
    const random = new SeededRandom(seed, 'voicemail-rows');
    db.exec(SCHEMA);
    db.prepare("INSERT INTO _SqliteDatabaseProperties (key, value) VALUES ('_ClientVersion', '8')").run();
    const add = db.prepare(`INSERT INTO voicemail (ROWID, remote_uid, date, token, sender, callback_num, duration, expiration, trashed_date, flags, receiver, uuid, transcription_status)
      VALUES (@id, @remoteUid, @date, 'Complete', @sender, @sender, @duration, @expiration, 0, 11, '+15550000000', @uuid, 0)`);
    for (const voicemail of voicemails) {
      add.run({ id: voicemail.id, remoteUid: 100 + voicemail.id, date: voicemail.date, sender: voicemail.sender, duration: voicemail.durationSeconds, expiration: voicemail.date + 30 * 86_400, uuid: random.uuid() });
    }
  });
}

/** AMR-NB at 12.2 kbit/s: a frame header byte (mode 7, quality bit set) and 31 bytes of speech, 50 a second. */
const FRAME_HEADER = 0x3c;
const FRAME_BYTES = 32;

/** A voicemail's audio: valid AMR framing, its length matching the row's duration. */
export function voicemailAudio(seed: number, voicemail: Voicemail): Buffer {
  const random = new SeededRandom(seed, 'voicemail-audio', voicemail.id);
  const frames = voicemail.durationSeconds * 50;
  const audio = Buffer.alloc(6 + frames * FRAME_BYTES);
  audio.write('#!AMR\n', 0, 'latin1');
  for (let frame = 0; frame < frames; frame += 1) {
    const at = 6 + frame * FRAME_BYTES;
    audio[at] = FRAME_HEADER;
    for (let byte = 1; byte < FRAME_BYTES; byte += 1) audio[at + byte] = random.int(0, 255);
  }
  return audio;
}
