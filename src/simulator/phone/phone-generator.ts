import { pickApps } from './app-catalog';
import { appDataFiles } from './app-data-files';
import { CAMERA_ROLL_DOMAIN, cameraItemFiles, DEFAULT_ROLL_SHAPE, photoAssetOf, planCameraItems } from './camera-roll';
import { describeContent, type GeneratedContent, type GeneratorName } from './content/content-spec';
import { MIN_GENERATED_JPEG_BYTES } from './content/jpeg-content';
import { buildCalendarDatabase } from './content/app-data/calendar-db';
import { buildCallHistoryDatabase } from './content/app-data/call-history-db';
import { buildContactsDatabase } from './content/app-data/contacts-db';
import { type MessageAttachment, buildMessagesDatabase, planMessageAttachments } from './content/app-data/messages-db';
import { NOTES_DOMAIN, NOTES_PATH, buildNotesDatabase } from './content/app-data/notes-db';
import { peopleOf } from './content/app-data/people';
import { buildSafariHistoryDatabase } from './content/app-data/safari-history-db';
import { type Recording, buildContactImagesDatabase, buildPlaceholderDatabase, buildSafariBookmarksDatabase, buildVoiceMemosDatabase } from './content/app-data/small-databases';
import { buildVoicemailDatabase, planVoicemails, voicemailAudio } from './content/app-data/voicemail-db';
import { buildPhotosDatabase } from './content/sqlite-content';
import { MOBILE_UID, REFERENCE_TIME, ROOT_UID, YEAR_SECONDS, type GeneratedFile } from './generated-file';
import type { PhoneApp } from './phone-model';
import { PROFILE_SPECS, type PhoneProfile } from './profiles';
import { SeededRandom } from './seeded-random';

/**
 * Builds a new phone's files from a seed and a profile (protocol.md §5.8, §8.2). Only descriptions
 * are produced: the bytes of big files are generated when read.
 */
export interface GeneratedPhone {
  readonly apps: readonly PhoneApp[];
  readonly files: Iterable<GeneratedFile>;
}

interface FileOptions {
  readonly uid?: number;
  readonly protectionClass?: number;
  readonly system?: boolean;
  readonly size?: number;
  readonly params?: GeneratedContent['params'];
}

/** Shared helpers for one domain-building pass: dates, keys and file records. */
class DomainWriter {
  constructor(readonly seed: number, readonly random: SeededRandom) {}

  date(): number {
    return this.random.int(REFERENCE_TIME - 4 * YEAR_SECONDS, REFERENCE_TIME);
  }

  file(domain: string, relativePath: string, generator: GeneratorName | Buffer, options: FileOptions = {}): GeneratedFile {
    const mtime = this.date();
    const key = `${this.seed}|${domain}|${relativePath}|1`;
    const content = Buffer.isBuffer(generator) ? generator : describeContent(generator, key, options.params ?? {}, options.size);
    return {
      domain, relativePath, kind: 'file',
      uid: options.uid ?? MOBILE_UID,
      mtime, birth: mtime - this.random.int(0, YEAR_SECONDS),
      protectionClass: options.protectionClass ?? this.random.int(1, 4),
      content, system: options.system ?? false,
    };
  }

  symlink(domain: string, relativePath: string, target: string, uid = MOBILE_UID): GeneratedFile {
    const mtime = this.date();
    return { domain, relativePath, kind: 'symlink', uid, mtime, birth: mtime, protectionClass: 0, linkTarget: target };
  }

  prefs(domain: string, relativePath: string, name: string, options: FileOptions = {}): GeneratedFile {
    return this.file(domain, relativePath, 'preferences', { ...options, params: { name } });
  }
}

const HOME_PREFERENCES = ['com.apple.springboard', 'com.apple.Preferences', 'com.apple.mobilephone', 'com.apple.weather', 'com.apple.MobileSMS', 'com.apple.camera', 'com.apple.mobilesafari', '.GlobalPreferences'];

/** Where the phone's app data starts: four years before the reference time, like its files. */
const APP_DATA_FROM = REFERENCE_TIME - 4 * YEAR_SECONDS;
/** Sent pictures in Messages: the files in MediaDomain and the rows in sms.db come from one plan. */
const messageAttachmentsOf = (seed: number, profile: PhoneProfile) =>
  planMessageAttachments(seed, PROFILE_SPECS[profile].messageAttachments, [MIN_GENERATED_JPEG_BYTES, 90_000], APP_DATA_FROM, REFERENCE_TIME);

function* homeDomain(w: DomainWriter, seed: number, profile: PhoneProfile): Generator<GeneratedFile> {
  const spec = PROFILE_SPECS[profile];
  const d = 'HomeDomain';
  // Real app databases at their real paths (protocol-notes.md "App data"); sizes follow the profile.
  const people = peopleOf(seed, spec.contacts, REFERENCE_TIME);
  const attachments = messageAttachmentsOf(seed, profile);
  yield w.file(d, 'Library/SMS/sms.db', buildMessagesDatabase(seed, people, spec.messages, attachments, APP_DATA_FROM), { protectionClass: 3 });
  yield w.file(d, 'Library/AddressBook/AddressBook.sqlitedb', buildContactsDatabase(seed, people), { protectionClass: 3 });
  yield w.file(d, 'Library/AddressBook/AddressBookImages.sqlitedb', buildContactImagesDatabase(), { protectionClass: 3 });
  for (const name of HOME_PREFERENCES) yield w.prefs(d, `Library/Preferences/${name}.plist`, name);
  yield w.file(d, 'Library/Safari/Bookmarks.db', buildSafariBookmarksDatabase(seed), { protectionClass: 3 });
  yield w.file(d, 'Library/Safari/History.db', buildSafariHistoryDatabase(seed, Math.ceil(spec.messages / 2), APP_DATA_FROM), { protectionClass: 3 });
  yield w.file(d, 'Library/CallHistoryDB/CallHistory.storedata', buildCallHistoryDatabase(seed, people, spec.contacts * 2, APP_DATA_FROM), { protectionClass: 3 });
  yield w.file(d, 'Library/Calendar/Calendar.sqlitedb', buildCalendarDatabase(seed, spec.contacts, APP_DATA_FROM), { protectionClass: 3 });
  // Visual voicemail: the database and each message's audio beside it, named by its ROWID.
  const voicemails = planVoicemails(seed, people, Math.min(spec.voiceMemos, 10), APP_DATA_FROM, REFERENCE_TIME);
  yield w.file(d, 'Library/Voicemail/voicemail.db', buildVoicemailDatabase(seed, voicemails), { protectionClass: 3 });
  for (const voicemail of voicemails) {
    yield { ...w.file(d, `Library/Voicemail/${voicemail.id}.amr`, voicemailAudio(seed, voicemail), { protectionClass: 3 }), mtime: voicemail.date, birth: voicemail.date };
  }
  yield w.file(d, 'Library/Cookies/Cookies.binarycookies', 'random', { size: w.random.int(2_000, 20_000) });
  yield w.file(d, 'Library/Keyboard/dynamic-text.dat', 'text', { size: w.random.int(1_000, 30_000) });
  yield w.symlink(d, 'Library/Caches/Snapshots', '/private/var/mobile/Library/Caches/com.apple.snapshots');
  yield w.file(NOTES_DOMAIN, NOTES_PATH, buildNotesDatabase(seed, 12, APP_DATA_FROM), { protectionClass: 3 });
}

function* mediaDomain(w: DomainWriter, profile: PhoneProfile, attachments: readonly MessageAttachment[] = []): Generator<GeneratedFile> {
  const spec = PROFILE_SPECS[profile];
  const d = 'MediaDomain';
  // The AFC side needs these (protocol.md §4.5); they are part of every phone, even a new one.
  yield w.file(d, 'Media/com.apple.itunes.lock_sync', 'empty', { system: true, protectionClass: 4 });
  for (const name of ['iTunesPrefs', 'IC-Info.sidb', 'IC-Info.sidv']) {
    yield w.file(d, `Media/iTunes_Control/iTunes/${name}`, 'random', { system: true, size: w.random.int(100, 4_000), protectionClass: 4 });
  }
  yield w.prefs(d, 'Media/iTunes_Control/iTunes/iTunesPrefs.plist', 'iTunesPrefs', { system: true, protectionClass: 4 });
  yield w.prefs(d, 'Media/iTunes_Control/iTunes/VoiceMemos.plist', 'VoiceMemos', { protectionClass: 4 });
  yield w.file(d, 'Media/Downloads/downloads.28.sqlitedb', buildPlaceholderDatabase('downloads.28'), { system: true, protectionClass: 4 });
  const recordings: Recording[] = [];
  for (let i = 0; i < spec.voiceMemos; i++) {
    const recordedAt = w.date();
    const at = new Date(recordedAt * 1000).toISOString();
    const fileName = `${at.slice(0, 10).replaceAll('-', '')} ${at.slice(11, 19).replaceAll(':', '')}-${String(i).padStart(4, '0')}.m4a`;
    const file = w.file(d, `Media/Recordings/${fileName}`, 'random', { size: w.random.int(50_000, 2_000_000) });
    recordings.push({ fileName, recordedAt, size: file.content && !Buffer.isBuffer(file.content) ? file.content.size : 0 });
    yield file;
  }
  yield w.file(d, 'Media/Recordings/CloudRecordings.db', buildVoiceMemosDatabase(w.seed, recordings), { protectionClass: 3 });
  if (recordings[0]) yield w.symlink(d, 'Media/Recordings/Latest.m4a', recordings[0].fileName);
  for (const attachment of attachments) {
    yield w.file(d, attachment.relativePath, 'jpeg', {
      size: attachment.size, protectionClass: 3,
      params: { takenAt: attachment.sentAt, model: 'iPhone 12', width: 160, height: 120 },
    });
  }
}

function* cameraRollDomain(w: DomainWriter, seed: number, profile: PhoneProfile): Generator<GeneratedFile> {
  const spec = PROFILE_SPECS[profile];
  const items = planCameraItems(
    new SeededRandom(seed, 'camera-roll'),
    { photos: spec.photos, videos: spec.videos, screenshots: spec.screenshots },
    { photo: spec.photoBytes, video: spec.videoBytes },
    1,
    REFERENCE_TIME - 4 * YEAR_SECONDS,
    REFERENCE_TIME,
    { ...DEFAULT_ROLL_SHAPE, ...spec.roll },
  );
  for (const item of items) yield* cameraItemFiles(seed, item);
  yield w.prefs(CAMERA_ROLL_DOMAIN, 'Media/DCIM/.MISC/Info.plist', 'DCIMInfo', { protectionClass: 3 });
  yield w.file(CAMERA_ROLL_DOMAIN, 'Media/PhotoData/Photos.sqlite', buildPhotosDatabase(items.map((item) => photoAssetOf(seed, item))), { protectionClass: 3 });
}

function* appDomains(w: DomainWriter, apps: readonly PhoneApp[], profile: PhoneProfile): Generator<GeneratedFile> {
  const spec = PROFILE_SPECS[profile];
  const perApp = Math.floor(spec.appDocuments / Math.max(1, apps.length));
  let extra = spec.appDocuments - perApp * apps.length;
  for (const [index, app] of apps.entries()) {
    const d = `AppDomain-${app.bundleId}`;
    yield w.prefs(d, `Library/Preferences/${app.bundleId}.plist`, app.bundleId);
    yield w.file(d, 'Library/Application Support/store.db', buildPlaceholderDatabase(`${app.bundleId}/store`));
    const documents = perApp + (extra-- > 0 ? 1 : 0);
    if (spec.appLayout === 'app-data') {
      yield* appDataFiles((domain, path, generator, options) => w.file(domain, path, generator, options), w.random, app, documents, spec.appDocumentBytes);
    }
    for (let i = 0; spec.appLayout !== 'app-data' && i < documents; i++) {
      const folder = documents > 200 ? `Documents/Folder ${String(Math.floor(i / 200)).padStart(3, '0')}` : 'Documents';
      const text = w.random.chance(0.4);
      const name = `${text ? 'note' : 'item'}-${String(i).padStart(5, '0')}.${text ? 'txt' : 'dat'}`;
      yield w.file(d, `${folder}/${name}`, text ? 'text' : 'random', { size: w.random.int(spec.appDocumentBytes[0], spec.appDocumentBytes[1]) });
    }
    if (index % 3 === 0) {
      const g = `AppDomainGroup-group.${app.bundleId}`;
      yield w.prefs(g, `Library/Preferences/group.${app.bundleId}.plist`, `group.${app.bundleId}`);
      yield w.file(g, 'Shared/shared.sqlite', buildPlaceholderDatabase(`group.${app.bundleId}/shared`));
    }
  }
}

function* systemDomains(w: DomainWriter): Generator<GeneratedFile> {
  const sys = { uid: ROOT_UID, system: true, protectionClass: 4 };
  for (const name of ['preferences', 'com.apple.wifi', 'NetworkInterfaces', 'com.apple.networkextension']) {
    yield w.prefs('SystemPreferencesDomain', `SystemConfiguration/${name}.plist`, name, sys);
  }
  yield w.prefs('RootDomain', 'Library/Preferences/com.apple.MobileBackup.plist', 'com.apple.MobileBackup', sys);
  yield w.prefs('RootDomain', 'Library/Lockdown/data_ark.plist', 'data_ark', sys);
  yield w.prefs('RootDomain', 'Library/Caches/locationd/clients.plist', 'locationd', { uid: ROOT_UID });
  yield w.symlink('RootDomain', 'Library/Caches/Backup', '/private/var/mobile/Library/Caches/Backup', ROOT_UID);
  yield w.prefs('WirelessDomain', 'Library/Preferences/com.apple.commcenter.plist', 'com.apple.commcenter', sys);
  yield w.file('WirelessDomain', 'Library/Databases/CellularUsage.db', buildPlaceholderDatabase('CellularUsage'), { uid: ROOT_UID });
  yield w.symlink('WirelessDomain', 'Library/Preferences/csidata', '/private/var/wireless/Library/Databases/csidata', ROOT_UID);
  yield w.file('KeychainDomain', 'keychain-backup.plist', 'random', { uid: ROOT_UID, protectionClass: 4, size: w.random.int(20_000, 200_000) });
  yield w.file('HealthDomain', 'Health/healthdb.sqlite', buildPlaceholderDatabase('healthdb'), { protectionClass: 3 });
  yield w.prefs('BooksDomain', 'iBooksData2.plist', 'iBooksData2', { protectionClass: 3 });
  yield w.file('BooksDomain', 'Purchases/0F3A1C2B.epub', 'random', { size: w.random.int(100_000, 900_000) });
}

export function generatePhone(seed: number, profile: PhoneProfile): GeneratedPhone {
  const apps = pickApps(seed, PROFILE_SPECS[profile].apps);
  function* files(): Generator<GeneratedFile> {
    // One random stream per area, so a change to one area leaves the others as they were.
    yield* homeDomain(new DomainWriter(seed, new SeededRandom(seed, 'home')), seed, profile);
    yield* mediaDomain(new DomainWriter(seed, new SeededRandom(seed, 'media')), profile, messageAttachmentsOf(seed, profile));
    yield* cameraRollDomain(new DomainWriter(seed, new SeededRandom(seed, 'camera')), seed, profile);
    yield* appDomains(new DomainWriter(seed, new SeededRandom(seed, 'apps-data')), apps, profile);
    yield* systemDomains(new DomainWriter(seed, new SeededRandom(seed, 'system')));
  }
  return { apps, files: files() };
}

/** The files a factory-fresh phone has (a subset of every generated phone's system files). */
export function generateFactoryFiles(seed: number): GeneratedFile[] {
  return [
    ...mediaDomain(new DomainWriter(seed, new SeededRandom(seed, 'media')), 'small'),
    ...systemDomains(new DomainWriter(seed, new SeededRandom(seed, 'system'))),
  ].filter((file) => file.system === true);
}
