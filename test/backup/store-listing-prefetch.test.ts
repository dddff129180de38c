import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackupError } from '../../src/main/backup/backup-error';
import { type ListedEntry, PreviousBackup } from '../../src/main/backup/store';

/**
 * PreviousBackup reads the content folders ahead on a thread (previous-listing-prefetch.ts) once
 * the phone has the previous Manifest.db (protocol.md §7.2 steps 2–3). A listing read ahead must
 * be exactly what a live one says at the moment of the request: what the run removed since is
 * hidden, a folder changed since is listed afresh, and a planted link is refused as before.
 */

const UDID = '00008110-000A1B2C3D4E801E';
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-prefetch-'));
let folder: string;
let counter = 0;
const opened: PreviousBackup[] = [];

beforeEach(() => {
  counter += 1;
  folder = path.join(base, `backup-${counter}`, UDID);
  // Three content folders of several kinds of entry, the first with a few hundred files.
  for (let index = 0; index < 300; index++) write(`00/00${index.toString(16).padStart(38, '0')}`, 'x'.repeat(index));
  write('01/01aa', 'one');
  write('01/01bb', 'two two');
  fs.mkdirSync(path.join(folder, '01', 'sub'));
  fs.symlinkSync('/etc', path.join(folder, '01', 'planted-entry'));
  write('01/.lifeboat-tmp-leftover', 'ours');
  write('02/02cc', 'three');
  fs.utimesSync(path.join(folder, '01', '01aa'), new Date('2020-05-06T07:08:09.123Z'), new Date('2020-05-06T07:08:09.123Z'));
});
afterEach(async () => {
  for (const previous of opened.splice(0)) await previous.close();
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function write(relative: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(folder, relative)), { recursive: true });
  fs.writeFileSync(path.join(folder, relative), content);
}

function open(): PreviousBackup {
  const previous = new PreviousBackup(UDID, folder);
  opened.push(previous);
  return previous;
}

/** What a live listing says now: a PreviousBackup that never reads ahead. */
async function live(name: string, hidden: readonly string[] = []): Promise<Map<string, ListedEntry> | undefined> {
  const previous = open();
  for (const relative of hidden) previous.hide(`${UDID}/${relative}`);
  return previous.list(`${UDID}/${name}`);
}

/** Lists with readdir watched: a listing read ahead reads nothing on this thread. */
async function listCountingReads(previous: PreviousBackup, name: string): Promise<{ readonly listing: Map<string, ListedEntry> | undefined; readonly reads: number }> {
  const readdir = vi.spyOn(fsPromises, 'readdir');
  try {
    const listing = await previous.list(`${UDID}/${name}`);
    return { listing, reads: readdir.mock.calls.length };
  } finally {
    readdir.mockRestore();
  }
}

describe('content folders read ahead', () => {
  it('lists each folder exactly as a live listing does, without reading it again', async () => {
    const previous = open();
    await previous.prefetchListings();
    for (const name of ['00', '01', '02']) {
      const { listing, reads } = await listCountingReads(previous, name);
      expect(reads).toBe(0);
      expect(listing).toEqual(await live(name));
    }
    const first = await live('01');
    expect(first?.get('01aa')).toEqual({ isDirectory: false, isFile: true, size: 3, mtime: new Date('2020-05-06T07:08:09.123Z') });
    expect(first?.get('sub')).toMatchObject({ isDirectory: true, isFile: false, size: 0 });
    expect(first?.get('planted-entry')).toMatchObject({ isDirectory: false, isFile: false, size: 0 });
    expect(first?.has('.lifeboat-tmp-leftover')).toBe(false);
    expect((await live('00'))?.size).toBe(300);
  });

  it('hides what the run removed after the folder was read ahead', async () => {
    const previous = open();
    await previous.prefetchListings();
    previous.hide(`${UDID}/01/01bb`);
    const { listing, reads } = await listCountingReads(previous, '01');
    expect(reads).toBe(0);
    expect(listing?.has('01bb')).toBe(false);
    expect(listing).toEqual(await live('01', ['01/01bb']));
    // A whole folder removed lists as missing, as live.
    previous.hide(`${UDID}/02`);
    expect(await previous.list(`${UDID}/02`)).toBeUndefined();
  });

  it('lists a folder whose entries changed after it was read ahead afresh', async () => {
    const previous = open();
    await previous.prefetchListings();
    write('01/01dd', 'added after');
    fs.rmSync(path.join(folder, '01', '01aa'));
    // The folder's times move with any change to its entries; set them apart from the read's, whatever the clock's grain.
    fs.utimesSync(path.join(folder, '01'), new Date('2021-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z'));
    const { listing, reads } = await listCountingReads(previous, '01');
    expect(reads).toBe(1);
    expect([...(listing?.keys() ?? [])].sort()).toEqual(['01bb', '01dd', 'planted-entry', 'sub']);
    expect(listing).toEqual(await live('01'));
  });

  it('still refuses a content folder that is a symbolic link', async () => {
    const outside = path.join(base, `outside-${counter}`);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret'), 'not the phone\'s');
    fs.rmSync(path.join(folder, '02'), { recursive: true });
    fs.symlinkSync(outside, path.join(folder, '02'));
    const previous = open();
    await previous.prefetchListings();
    const refusal = await previous.list(`${UDID}/02`).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BackupError);
    expect((refusal as BackupError).code).toBe('hostile-path');
  });

  it('takes each listing once, and lists live after close', async () => {
    const previous = open();
    await previous.prefetchListings();
    expect((await listCountingReads(previous, '02')).reads).toBe(0);
    // Asked again (a resume lists twice): the read-ahead copy is gone, so it is read live.
    expect((await listCountingReads(previous, '02')).reads).toBe(1);
    await previous.close();
    const { listing, reads } = await listCountingReads(previous, '01');
    expect(reads).toBe(1);
    expect(listing).toEqual(await live('01'));
  });
});
