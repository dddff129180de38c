import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { decodePlist, encodePlist, isPlistDict, type PlistValue } from '../../src/main/device/codec';
import { mutateBytes } from './byte-mutations';
import type { FolderSample } from './folder-samples';
import type { FuzzRandom } from './fuzz-random';
import { billionLaughsBplist, cyclicBplist, HOSTILE_NAMES, mutatedPlistBytes } from './plist-mutations';

/**
 * Turns a valid sample into a hostile backup folder on disk (protocol.md §5: Info, Manifest and
 * Status plists, Manifest.db rows and schema, content files; §6: the keybag). Each case applies one
 * to three mutations; the named ones aim at the known holes of issue 13 (billion-laughs plists,
 * `../` fileIDs, a VIEW for Files, huge PBKDF2 counts) so the report shows when they are closed.
 */
export const SECRET = 'LIFEBOAT-FUZZ-SECRET-do-not-read';

type Mutation = (context: MutationContext) => void;

interface MutationContext {
  readonly random: FuzzRandom;
  readonly files: Map<string, Buffer>;
  /** The plaintext Manifest.db, edited with SQL in a scratch file. */
  editDb(edit: (db: Database.Database) => void): void;
  /** Links to make after the files are written: relative path → target. */
  readonly links: Map<string, string>;
  readonly outside: string;
  keybag: Buffer | undefined;
}

const PLISTS = ['Info.plist', 'Manifest.plist', 'Status.plist'];

function randomPlist(context: MutationContext): string {
  return context.random.pick(PLISTS.filter((name) => context.files.has(name)).concat(['Info.plist']));
}

const MUTATIONS: Readonly<Record<string, { readonly weight: number; readonly apply: Mutation }>> = {
  'plist-bytes': {
    weight: 10,
    apply: (context) => {
      const name = randomPlist(context);
      // An encrypted Manifest.plist holds the keybag: its counts have their own generator below.
      if (name === 'Manifest.plist' && context.keybag) return;
      context.files.set(name, mutateBytes(context.random, context.files.get(name) ?? Buffer.alloc(0)));
    },
  },
  'plist-structure': {
    weight: 10,
    apply: (context) => {
      const name = randomPlist(context);
      const bytes = context.files.get(name);
      let value: PlistValue = {};
      try {
        value = bytes ? decodePlist(bytes) : {};
      } catch {
        // Already broken by an earlier mutation: start from an empty dict.
      }
      context.files.set(name, mutatedPlistBytes(context.random, value));
    },
  },
  'billion-laughs-bplist': {
    weight: 1,
    apply: (context) => {
      const name = randomPlist(context);
      context.files.set(name, billionLaughsBplist(24, 14, context.random.pick(['Lockdown', 'Applications', 'Installed Applications', 'SnapshotState'])));
    },
  },
  'cyclic-bplist': {
    weight: 1,
    apply: (context) => context.files.set(randomPlist(context), cyclicBplist()),
  },
  'hostile-rows': {
    weight: 8,
    apply: (context) =>
      context.editDb((db) => {
        const ids = db.prepare('SELECT fileID FROM Files LIMIT 50').pluck().all() as string[];
        // OR IGNORE: two rows given the same hostile fileID would break the primary key and the case with it.
        const update = db.prepare('UPDATE OR IGNORE Files SET fileID = ?, domain = ?, relativePath = ?, flags = ? WHERE fileID = ?');
        for (let count = 1 + context.random.int(3); count > 0 && ids.length > 0; count -= 1) {
          const id = context.random.pick(ids);
          const field = context.random.int(4);
          const row = db.prepare('SELECT domain, relativePath, flags FROM Files WHERE fileID = ?').get(id) as { domain: string; relativePath: string; flags: number } | undefined;
          if (!row) continue;
          update.run(
            field === 0 ? context.random.pick(HOSTILE_NAMES) : id,
            field === 1 ? context.random.pick(HOSTILE_NAMES) : row.domain,
            field === 2 ? context.random.pick(HOSTILE_NAMES) : row.relativePath,
            field === 3 ? context.random.pick([0, 3, 7, 255, -1, 2 ** 40]) : row.flags,
            id,
          );
        }
      }),
  },
  'traversing-file-id': {
    weight: 2,
    apply: (context) =>
      context.editDb((db) => {
        const id = context.random.pick(['../../outside/secret.txt', '../../../outside/secret.txt', '../../outside', `${context.outside}/secret.txt`]);
        db.prepare('UPDATE Files SET fileID = ? WHERE rowid = (SELECT min(rowid) FROM Files WHERE flags = 1)').run(id);
      }),
  },
  'mbfile-blob': {
    weight: 6,
    apply: (context) =>
      context.editDb((db) => {
        const rows = db.prepare('SELECT rowid AS id, file FROM Files WHERE file IS NOT NULL LIMIT 40').all() as { id: number; file: Buffer }[];
        if (rows.length === 0) return;
        const row = context.random.pick(rows);
        let blob: Buffer;
        const kind = context.random.int(10);
        if (kind === 0) blob = billionLaughsBplist(24, 14, '$objects');
        else if (kind < 5) blob = mutateBytes(context.random, row.file);
        else {
          let value: PlistValue = {};
          try {
            value = decodePlist(row.file);
          } catch {
            // keep the empty dict
          }
          blob = mutatedPlistBytes(context.random, value);
        }
        db.prepare('UPDATE Files SET file = ? WHERE rowid = ?').run(blob, row.id);
      }),
  },
  'hostile-schema': {
    weight: 3,
    apply: (context) =>
      context.editDb((db) => {
        const kind = context.random.int(5);
        db.exec('ALTER TABLE Files RENAME TO RealFiles');
        if (kind === 0) {
          // A VIEW that never ends: a reader that trusts the schema loops forever.
          db.exec('CREATE VIEW Files AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT printf(\'%040d\', x) AS fileID, \'HomeDomain\' AS domain, \'f\' || x AS relativePath, 1 AS flags, NULL AS file FROM n');
        } else if (kind === 1) {
          db.exec('CREATE VIEW Files AS SELECT a.fileID, a.domain, a.relativePath, a.flags, a.file FROM RealFiles a, RealFiles b, RealFiles c, RealFiles d');
        } else if (kind === 2) {
          db.exec('CREATE TABLE Files (fileID INTEGER, domain BLOB, relativePath REAL, flags TEXT, file TEXT)');
          db.exec("INSERT INTO Files SELECT 12, x'00ff', 1.5, 'one', 'not a plist' FROM RealFiles");
        } else if (kind === 3) {
          db.exec('CREATE TABLE Files (fileID TEXT)');
          db.exec('INSERT INTO Files SELECT fileID FROM RealFiles');
        } else {
          db.exec('CREATE VIEW Files AS SELECT fileID, domain, relativePath, flags, zeroblob(100000000) AS file FROM RealFiles');
        }
      }),
  },
  'db-bytes': {
    weight: 4,
    apply: (context) => {
      const db = context.files.get('Manifest.db');
      if (db) context.files.set('Manifest.db', mutateBytes(context.random, db, [[0, 16]]));
    },
  },
  'keybag-tlv': {
    weight: 4,
    apply: (context) => {
      if (context.keybag) context.keybag = mutateBytes(context.random, context.keybag, iterationRanges(context.keybag));
    },
  },
  'huge-iterations': {
    weight: 1,
    apply: (context) => {
      if (!context.keybag) return;
      context.keybag = Buffer.from(context.keybag);
      for (const [start] of iterationRanges(context.keybag)) context.keybag.writeUInt32BE(context.random.pick([0xffffffff, 0x7fffffff, 0]), start);
    },
  },
  'content-files': {
    weight: 6,
    apply: (context) => {
      const contents = [...context.files.keys()].filter((name) => name.includes('/'));
      if (contents.length === 0) return;
      const name = context.random.pick(contents);
      const kind = context.random.int(4);
      if (kind === 0) context.files.delete(name);
      else if (kind === 1) context.files.set(name, (context.files.get(name) as Buffer).subarray(0, context.random.int(8)));
      else if (kind === 2) {
        context.files.delete(name);
        context.links.set(name, path.join(context.outside, 'secret.txt'));
      } else context.files.set(name, Buffer.concat([context.files.get(name) as Buffer, context.random.bytes(1 + context.random.int(64))]));
    },
  },
  'planted-links': {
    weight: 2,
    apply: (context) => {
      const name = context.random.pick(['Info.plist', 'Manifest.plist', 'Status.plist', 'Manifest.db']);
      context.files.delete(name);
      context.links.set(name, path.join(context.outside, 'secret.txt'));
    },
  },
};

/** Run at fixed case numbers only (fuzz-cases.ts slowFolderGenerator): each can hang a reader. */
export const SLOW_FOLDER_GENERATORS = ['billion-laughs-bplist', 'huge-iterations', 'hostile-schema'];
const WEIGHTED = Object.entries(MUTATIONS)
  .filter(([name]) => !SLOW_FOLDER_GENERATORS.includes(name))
  .flatMap(([name, { weight }]) => Array.from({ length: weight }, () => name));
export const FOLDER_GENERATORS = Object.keys(MUTATIONS);

/** Byte ranges of the ITER and DPIC values in a keybag's TLVs (§6.2). */
function iterationRanges(keybag: Buffer): [number, number][] {
  const ranges: [number, number][] = [];
  for (let offset = 0; offset + 8 <= keybag.length; ) {
    const tag = keybag.toString('latin1', offset, offset + 4);
    const length = keybag.readUInt32BE(offset + 4);
    if ((tag === 'ITER' || tag === 'DPIC') && length === 4) ranges.push([offset + 8, offset + 12]);
    offset += 8 + length;
  }
  return ranges;
}

/**
 * Writes a hostile folder made from `sample` into `folder` (which must not exist) and returns the
 * names of the mutations applied. `scratch` is a file path for editing Manifest.db.
 */
export function writeFolderCase(random: FuzzRandom, sample: FolderSample, folder: string, outside: string, scratch: string, only?: string): string[] {
  const files = new Map(sample.files);
  const links = new Map<string, string>();
  let plaintextDb = files.get('Manifest.db');
  const context: MutationContext = {
    random,
    files,
    links,
    outside,
    keybag: sample.encryption?.keybag,
    editDb(edit) {
      if (!plaintextDb) return;
      fs.writeFileSync(scratch, plaintextDb);
      const db = new Database(scratch);
      try {
        edit(db);
      } finally {
        db.close();
      }
      plaintextDb = fs.readFileSync(scratch);
      fs.rmSync(scratch, { force: true });
      files.set('Manifest.db', plaintextDb);
    },
  };
  const applied = only ? [only] : Array.from({ length: 1 + random.int(3) }, () => random.pick(WEIGHTED));
  for (const name of applied) (MUTATIONS[name] as { apply: Mutation }).apply(context);
  if (sample.encryption && files.has('Manifest.db')) {
    // Seal what the mutations left (the plaintext edits and a perhaps mutated keybag), as the phone would.
    const sealed = sample.encryption.seal(files.get('Manifest.db') as Buffer, context.keybag ?? sample.encryption.keybag);
    files.set('Manifest.db', sealed.manifestDb);
    if (!applied.includes('plist-structure') && !applied.includes('billion-laughs-bplist') && !applied.includes('cyclic-bplist') && !applied.includes('planted-links')) files.set('Manifest.plist', sealed.manifestPlist);
    else if (context.keybag !== sample.encryption.keybag) files.set('Manifest.plist', withKeybag(files.get('Manifest.plist'), context.keybag));
  }
  fs.mkdirSync(folder, { recursive: true });
  for (const [name, bytes] of files) {
    // A planted link takes the place of a file that a later mutation (or sealing) wrote again.
    if (links.has(name)) continue;
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), bytes);
  }
  for (const [name, target] of links) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.symlinkSync(target, path.join(folder, name));
  }
  return [...new Set(applied)].sort();
}

function withKeybag(manifest: Buffer | undefined, keybag: Buffer | undefined): Buffer {
  try {
    const value = manifest ? decodePlist(manifest) : {};
    if (isPlistDict(value) && keybag) return encodePlist({ ...value, BackupKeyBag: keybag }, 'binary');
  } catch {
    // Not a plist any more: leave it as the mutation made it.
  }
  return manifest ?? Buffer.alloc(0);
}
