import { createHash } from 'node:crypto';
import { appleSeconds, coreDataTables, sqliteImage } from './app-data/sqlite-image';

/**
 * CameraRollDomain `Media/PhotoData/Photos.sqlite`: one ZASSET row per Camera Roll item, naming its
 * DCIM file (ZDIRECTORY + ZFILENAME), with ZADDITIONALASSETATTRIBUTES carrying the original file name
 * and size (the columns iLEAPP's Ph1BasicAssetData.py and mvt read). The other app databases are
 * in ./app-data.
 */

/** One Camera Roll asset as Photos.sqlite lists it. */
export interface PhotoAsset {
  readonly directory: string; // e.g. DCIM/100APPLE
  readonly filename: string;
  readonly takenAt: number; // Unix seconds
  readonly kind: 0 | 1; // 0 photo, 1 video
  readonly width: number;
  readonly height: number;
  readonly uuid: string;
  /** Bytes of the DCIM file, when known. */
  readonly fileSize?: number;
  /** Videos: length in seconds. */
  readonly durationSeconds?: number;
  /** Live Photos: the identifier its still and `.MOV` share (the row stands for both). */
  readonly liveIdentifier?: string;
  /** Edited in Photos (an `IMG_E…` render and `.AAE` beside the original). */
  readonly edited?: boolean;
}

const SCHEMA = `
CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZADDITIONALATTRIBUTES INTEGER, ZKIND INTEGER,
  ZKINDSUBTYPE INTEGER, ZSAVEDASSETTYPE INTEGER, ZTRASHEDSTATE INTEGER DEFAULT 0, ZHIDDEN INTEGER DEFAULT 0, ZFAVORITE INTEGER DEFAULT 0, ZHASADJUSTMENTS INTEGER DEFAULT 0,
  ZWIDTH INTEGER, ZHEIGHT INTEGER, ZORIENTATION INTEGER, ZDURATION FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZDATECREATED TIMESTAMP,
  ZMODIFICATIONDATE TIMESTAMP, ZADDEDDATE TIMESTAMP, ZTRASHEDDATE TIMESTAMP, ZDIRECTORY VARCHAR, ZFILENAME VARCHAR,
  ZUNIFORMTYPEIDENTIFIER VARCHAR, ZUUID VARCHAR, ZMEDIAGROUPUUID VARCHAR);
CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZASSET INTEGER,
  ZORIGINALFILESIZE INTEGER, ZORIGINALWIDTH INTEGER, ZORIGINALHEIGHT INTEGER, ZTIMEZONEOFFSET INTEGER, ZEXIFTIMESTAMPSTRING VARCHAR,
  ZORIGINALFILENAME VARCHAR, ZTIMEZONENAME VARCHAR, ZTITLE VARCHAR);
CREATE INDEX ZASSET_ZDIRECTORY_ZFILENAME ON ZASSET (ZDIRECTORY, ZFILENAME);
CREATE INDEX ZADDITIONALASSETATTRIBUTES_ZASSET_INDEX ON ZADDITIONALASSETATTRIBUTES (ZASSET);
`;

const ASSET_ENT = 1;
const ATTRIBUTES_ENT = 2;

function typeIdentifierOf(filename: string): string {
  if (/\.mov$/i.test(filename)) return 'com.apple.quicktime-movie';
  if (/\.png$/i.test(filename)) return 'public.png';
  if (/\.heic$/i.test(filename)) return 'public.heic';
  return 'public.jpeg';
}

/** `YYYY:MM:DD HH:MM:SS`, the EXIF DateTimeOriginal form Photos keeps beside the asset. */
function exifTimestamp(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', ':')} ${iso.slice(11, 19)}`;
}

export function buildPhotosDatabase(assets: readonly PhotoAsset[]): Buffer {
  const key = createHash('sha256').update(assets.map((asset) => `${asset.directory}/${asset.filename}:${asset.uuid}:${asset.takenAt}:${asset.fileSize ?? ''}:${asset.durationSeconds ?? ''}:${asset.liveIdentifier ?? ''}:${asset.edited === true}`).join(',')).digest('hex');
  return sqliteImage(`photos|${key}`, (db) => {
    db.exec(SCHEMA);
    const addAsset = db.prepare(`INSERT INTO ZASSET (Z_PK, Z_ENT, Z_OPT, ZADDITIONALATTRIBUTES, ZKIND, ZKINDSUBTYPE, ZSAVEDASSETTYPE, ZHASADJUSTMENTS, ZWIDTH, ZHEIGHT,
      ZORIENTATION, ZDURATION, ZDATECREATED, ZMODIFICATIONDATE, ZADDEDDATE, ZDIRECTORY, ZFILENAME, ZUNIFORMTYPEIDENTIFIER, ZUUID, ZMEDIAGROUPUUID)
      VALUES (@pk, ${ASSET_ENT}, 1, @pk, @kind, @subtype, 3, @adjusted, @width, @height, 1, @duration, @date, @date, @date, @directory, @filename, @uti, @uuid, @group)`);
    const addAttributes = db.prepare(`INSERT INTO ZADDITIONALASSETATTRIBUTES (Z_PK, Z_ENT, Z_OPT, ZASSET, ZORIGINALFILESIZE, ZORIGINALWIDTH,
      ZORIGINALHEIGHT, ZTIMEZONEOFFSET, ZEXIFTIMESTAMPSTRING, ZORIGINALFILENAME, ZTIMEZONENAME)
      VALUES (@pk, ${ATTRIBUTES_ENT}, 1, @pk, @size, @width, @height, 0, @exif, @filename, 'GMT')`);
    for (const [index, asset] of assets.entries()) {
      const row = {
        pk: index + 1,
        kind: asset.kind,
        // ZKINDSUBTYPE (iLEAPP's Photos artifacts): 2 a Live Photo, 10 a screenshot, 0 a plain photo or video.
        subtype: asset.liveIdentifier !== undefined ? 2 : /\.png$/i.test(asset.filename) ? 10 : 0,
        adjusted: asset.edited ? 1 : 0,
        width: asset.width,
        height: asset.height,
        duration: asset.durationSeconds ?? 0,
        group: asset.liveIdentifier ?? null,
        date: appleSeconds(asset.takenAt),
        directory: asset.directory,
        filename: asset.filename,
        uti: typeIdentifierOf(asset.filename),
        uuid: asset.uuid,
      };
      addAsset.run(row);
      addAttributes.run({ pk: row.pk, size: asset.fileSize ?? null, width: asset.width, height: asset.height, exif: exifTimestamp(asset.takenAt), filename: asset.filename });
    }
    coreDataTables(db, [{ name: 'Asset', max: assets.length }, { name: 'AdditionalAssetAttributes', max: assets.length }], 'Photos');
  });
}
