import Database from 'better-sqlite3';

/**
 * The phone's app databases are built in memory and kept as file images (protocol-notes.md "App
 * data"). A test process starts many phones from the same few seeds, so each image is built once
 * per (database, seed, size) and then shared: generation must not slow every simulator start.
 */
const images = new Map<string, Buffer>();
const MAX_CACHED_IMAGES = 64;

/** Seconds between the Unix epoch and Apple's 2001-01-01 epoch, the clock of every Core Data store. */
export const APPLE_EPOCH_OFFSET = 978_307_200;

export function appleSeconds(unixSeconds: number): number {
  return unixSeconds - APPLE_EPOCH_OFFSET;
}

/** Builds (or reuses) the SQLite file image named by `cacheKey`. */
export function sqliteImage(cacheKey: string, build: (db: Database.Database) => void): Buffer {
  const cached = images.get(cacheKey);
  if (cached) return cached;
  const db = new Database(':memory:');
  let image: Buffer;
  try {
    db.transaction(() => build(db))();
    image = db.serialize();
  } finally {
    db.close();
  }
  if (images.size >= MAX_CACHED_IMAGES) images.delete(images.keys().next().value as string);
  images.set(cacheKey, image);
  return image;
}

/** Core Data's bookkeeping tables (Z_PRIMARYKEY, Z_METADATA, Z_MODELCACHE) with one row per entity. */
export function coreDataTables(db: Database.Database, entities: ReadonlyArray<{ readonly name: string; readonly max: number }>, modelName: string): void {
  db.exec(`CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
    CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
    CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);`);
  const add = db.prepare('INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, 0, ?)');
  for (const [index, entity] of entities.entries()) add.run(index + 1, entity.name, entity.max);
  db.prepare('INSERT INTO Z_METADATA (Z_VERSION, Z_UUID, Z_PLIST) VALUES (1, ?, ?)').run(`${modelName}-MODEL`, Buffer.from('bplist00'));
}
