import { parentPort } from 'node:worker_threads';
import { BackupError } from '../backup/backup-error';
import { type BackupBrowser, type BrowserEntry, extractFromBackup, openBackupBrowser } from '../browser';
import { inspectBackup } from '../backup/catalog/backup-inspection';
import { sumGroupsIn } from '../backup/catalog/catalog-totals';
import type { BackupKeys } from '../backup/crypto';
import { closeLibrary, runLibraryCall } from '../library';
import { type ReaderCallKind, type ReaderCalls, type ReaderEntry, type ReaderReply, type ReaderRequest, reviveBuffer } from './reader-protocol';

/**
 * The thread an UntrustedBackupReader (untrusted-reader.ts) reads backup folders on: catalog
 * inspections, verification and totals, and the backup browser (open, list, search, preview, extract).
 * Everything that opens a backup's Manifest.db runs here, so however long a hostile file makes
 * SQLite or the file system work, the main process (the app's window, its cancel button) does
 * not wait for it: the main thread keeps the deadline and terminates this thread.
 */

const port = parentPort;
if (!port) throw new Error('backup-reader-worker.ts runs only as a worker thread (see untrusted-reader.ts).');

const browsers = new Map<number, BackupBrowser>();
let nextHandle = 1;

function browserOf(handle: number): BackupBrowser {
  const browser = browsers.get(handle);
  if (!browser) throw new BackupError('not-found', 'That backup is no longer open. Open it again.');
  return browser;
}

/** The entry without its wrapped key: the main thread never needs it. */
function forMain(entry: BrowserEntry): ReaderEntry {
  const { encryptionKey: _secret, ...rest } = entry;
  return rest;
}

/** BackupKeys after structured clone: the Map's Buffers came back as Uint8Arrays. */
function reviveKeys(keys: BackupKeys | undefined): BackupKeys | undefined {
  if (!keys) return undefined;
  return {
    classKeys: new Map([...keys.classKeys].map(([protectionClass, key]) => [protectionClass, reviveBuffer(key)])),
    ...(keys.manifestDbKey ? { manifestDbKey: reviveBuffer(keys.manifestDbKey) } : {}),
    ...(keys.manifestKeyClass === undefined ? {} : { manifestKeyClass: keys.manifestKeyClass }),
  };
}

async function readWhole(browser: BackupBrowser, entry: BrowserEntry, maxBytes: number): Promise<Uint8Array | undefined> {
  if (entry.kind !== 'file' || entry.size > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  // openFile never yields more than the recorded size (store/backup-content.ts).
  for await (const chunk of browser.openFile(entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

type Handlers = { [K in ReaderCallKind]: (args: ReaderCalls[K]['args'], id: number) => Promise<ReaderCalls[K]['answer']> };

const handlers: Handlers = {
  inspect: ({ folder, options }) => inspectBackup(folder, { ...options, keys: reviveKeys(options.keys) }),
  totals: async ({ image, groups }) => sumGroupsIn(image, groups),
  async open({ folder, password }) {
    const browser = await openBackupBrowser(folder, password === undefined ? {} : { password });
    const handle = nextHandle++;
    browsers.set(handle, browser);
    return { handle, summary: browser.summary, domainCounts: browser.domainCounts() };
  },
  domains: async ({ handle }) => browserOf(handle).domains(),
  async list({ handle, domain, directory, offset, limit }) {
    const page = browserOf(handle).listPage(domain, directory, { offset, limit });
    return { entries: page.entries.map(forMain), total: page.total };
  },
  async search({ handle, text, limit, domain }) {
    const hits = browserOf(handle).searchPage(text, { limit, ...(domain === undefined ? {} : { domain }) });
    return { entries: hits.entries.map(forMain), more: hits.more };
  },
  async readFile({ handle, domain, relativePath, maxBytes }) {
    const browser = browserOf(handle);
    const entry = browser.entry(domain, relativePath);
    return entry ? readWhole(browser, entry, maxBytes) : undefined;
  },
  extract: ({ handle, selection, to }, id) =>
    extractFromBackup(browserOf(handle), selection, to, { onProgress: (progress) => post({ id, type: 'progress', progress }) }),
  library: ({ handle, kind, args }) => runLibraryCall(browserOf(handle), kind, args),
  async close({ handle }) {
    const browser = browsers.get(handle);
    if (browser) closeLibrary(browser);
    browser?.close();
    browsers.delete(handle);
    return undefined;
  },
};

function post(reply: ReaderReply): void {
  port?.postMessage(reply);
}

port.on('message', (request: ReaderRequest) => {
  post({ id: request.id, type: 'started' });
  const handler = handlers[request.kind] as (args: unknown, id: number) => Promise<unknown>;
  handler(request.args, request.id).then(
    (value) => post({ id: request.id, type: 'answer', value }),
    (error: unknown) => post({ id: request.id, type: 'failure', code: error instanceof BackupError ? error.code : undefined, message: error instanceof Error ? error.message : String(error) }),
  );
});

post({ id: 0, type: 'started' });
