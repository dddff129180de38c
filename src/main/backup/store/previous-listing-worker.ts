import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { folderKeyOf, LISTED_KIND, type ListingReply, type ListingRequest, type ListingThreadData } from './previous-listing-protocol';

/**
 * The thread of a ListingPrefetch (previous-listing-prefetch.ts), started through
 * module-worker.ts: lists folders of the previous backup (readdir, then lstat per entry, exactly
 * what PreviousBackup.list does live) while the main thread serves the phone. It never follows a
 * link: the folder itself is lstat'ed first and anything but a real folder gets no listing, and
 * every entry is lstat'ed, never stat'ed. Synchronous calls throughout: this thread does nothing
 * else, and one system call costs far less than a hand-off to libuv's pool.
 */

const port = parentPort;
if (!port) throw new Error('previous-listing-worker.ts runs only as a worker thread (see previous-listing-prefetch.ts).');
const { tempPrefix } = workerData as ListingThreadData;

function list(folder: string): ListingReply {
  const folderStat = fs.lstatSync(folder, { throwIfNoEntry: false });
  if (folderStat === undefined || !folderStat.isDirectory()) return { folder };
  const folderKey = folderKeyOf(folderStat);
  const names: string[] = [];
  for (const name of fs.readdirSync(folder)) if (!name.startsWith(tempPrefix)) names.push(name);
  const kinds = new Uint8Array(names.length);
  const sizesAndTimes = new Float64Array(names.length * 2);
  let kept = 0;
  for (const name of names) {
    const stat = fs.lstatSync(path.join(folder, name), { throwIfNoEntry: false });
    // Gone between readdir and lstat: the live listing skips it the same way.
    if (stat === undefined) continue;
    names[kept] = name;
    kinds[kept] = stat.isDirectory() ? LISTED_KIND.directory : stat.isFile() ? LISTED_KIND.file : LISTED_KIND.other;
    sizesAndTimes[kept * 2] = stat.isFile() ? stat.size : 0;
    sizesAndTimes[kept * 2 + 1] = stat.mtime.getTime();
    kept += 1;
  }
  names.length = kept;
  // A view would clone its whole buffer: cut to size only when an entry vanished.
  const exact = kept === kinds.length;
  return { folder, folderKey, names: names.join('\0'), kinds: exact ? kinds : kinds.slice(0, kept), sizesAndTimes: exact ? sizesAndTimes : sizesAndTimes.slice(0, kept * 2) };
}

port.on('message', (request: ListingRequest) => {
  let reply: ListingReply;
  try {
    reply = list(request.folder);
  } catch {
    // Unreadable: no listing, and the live one (which the main thread then makes) reports why.
    reply = { folder: request.folder };
  }
  port.postMessage(reply);
});
