import { type Dirent, lstatSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PlistDict, PlistValue } from '../../device/codec';
import type { DeviceLinkMessage } from '../../device/services';
import { BackupError } from '../backup-error';
import { type ListedEntry, PRIVATE_FOLDER_MODE, TEMP_PREFIX } from '../store';
import type { DriveContext, TreeEffect } from './drive-context';
import { putBackPlaced } from './background-work';
import { nextContentFolder } from './listing-ahead';
import { moveItems } from './move-items';
import { receiveUploads } from './upload-files';
import { DL_STATUS, sendDownloadStatus, statusForError } from './status-codes';

/**
 * The host side of every DeviceLink request a backup can make (protocol.md §3.6), one handler per
 * message kind. Each answers with exactly one reply (stream + status, or status) because the
 * device waits for it (§3.10). Every path goes through ConfinedPaths first.
 */

type RequestKind = Exclude<DeviceLinkMessage['kind'], 'DLMessageProcessMessage' | 'DLMessageDisconnect'>;
type MessageOf<K extends DeviceLinkMessage['kind']> = DeviceLinkMessage & { readonly kind: K };
type Handler<K extends RequestKind> = (message: MessageOf<K>, context: DriveContext) => Promise<TreeEffect>;
type HandlerTable = { readonly [K in RequestKind]: Handler<K> };


const KEPT: TreeEffect = 'kept';
const CHANGED: TreeEffect = 'changed';

const outOfOrder = (message: DeviceLinkMessage): never => {
  throw new BackupError('protocol', `The iPhone sent ${message.kind} in the middle of a backup, which the protocol does not allow; the backup was stopped.`);
};

export const DRIVE_HANDLERS: HandlerTable = {
  DLMessageVersionExchange: async (message) => outOfOrder(message),
  DLMessageDeviceReady: async (message) => outOfOrder(message),

  // §3.6.1: stream each file back (missing ones as LOCAL_ERROR), then 0 or -13 Multi status.
  DLMessageDownloadFiles: async (message, context) => {
    const resolved = new Map<string, string>();
    for (const devicePath of message.paths) resolved.set(devicePath, await resolveForRead(devicePath, context));
    const result = await context.deviceLink.sendFiles(message.paths, async (devicePath) => {
      const fileHandle = await fs.open(resolved.get(devicePath) as string, 'r');
      if ((await fileHandle.stat()).isDirectory()) {
        await fileHandle.close();
        throw Object.assign(new Error('Is a directory'), { code: 'EISDIR' });
      }
      // Read in place by the stream, which closes it (device-link-file-sender.ts).
      return { fileHandle };
    });
    await sendDownloadStatus(context.deviceLink, result.failures);
    // §7.2 steps 2–3: with the previous Manifest.db the phone goes on to list every content
    // folder, after seconds of digesting it; the listings are read meanwhile.
    if (message.paths.some((devicePath) => context.previous?.relative(devicePath) === 'Manifest.db')) void context.previous?.prefetchListings();
    return KEPT;
  },

  // The size hint feeds the progress (drive-loop.ts), not the upload.
  // Uploads add files (noted in the cache as they go) and folders; they never remove one.
  DLMessageUploadFiles: async (_message, context) => {
    await receiveUploads(context);
    return KEPT;
  },

  // §3.6.3: what the backup root's file system really has free.
  DLMessageGetFreeDiskSpace: async (_message, context) => {
    try {
      const stats = await fs.statfs(context.paths.base);
      await context.deviceLink.sendStatusResponse(DL_STATUS.ok, undefined, Number(stats.bavail) * Number(stats.bsize));
    } catch (error) {
      const status = statusForError(error);
      await context.deviceLink.sendStatusResponse(status.code, status.description);
    }
    return KEPT;
  },

  // §3.6.4: we cannot free space for the device; say so, and it fails with 105.
  DLMessagePurgeDiskSpace: async (_message, context) => {
    await context.deviceLink.sendStatusResponse(DL_STATUS.generic, 'Operation not supported', {});
    return KEPT;
  },

  // §3.6.5: mkdir -p; "exists" is success. New folders make no cached fact untrue (they join it).
  DLMessageCreateDirectory: async (message, context) => {
    await replyWithOutcome(context, () => context.paths.makeFolder(message.path));
    return KEPT;
  },

  // §3.6.6: name → type, size, modification date; a missing folder is -6.
  DLContentsOfDirectory: async (message, context) => {
    const madeAhead = context.listingAhead.takeAnswer();
    if (madeAhead !== undefined) await context.deviceLink.sendPrepared(madeAhead);
    else await answerListing(message.path, context);
    await makeNextListingAhead(message.path, context);
    return KEPT;
  },

  // §3.6.7: replace the destination (recursively), create its parent, rename; stop at the first failure.
  // Moves of uploads placed ahead (placed-ahead.ts) are already done; anything else puts those back first.
  DLMessageMoveItems: async (message, context) => (await claimPlacedMoves(message.moves, context)) ?? moveItems(await pullMoveSources(message.moves, context), context),
  DLMessageMoveFiles: async (message, context) => (await claimPlacedMoves(message.moves, context)) ?? moveItems(await pullMoveSources(message.moves, context), context),

  // §3.6.8: recursive, ENOENT ignored.
  DLMessageRemoveItems: async (message, context) => {
    await removeItems(message.paths, context);
    return CHANGED;
  },
  DLMessageRemoveFiles: async (message, context) => {
    await removeItems(message.paths, context);
    return CHANGED;
  },

  // §3.6.9: a recursive copy into new files (the destination is removed first, so a hard link
  // shared with an older snapshot is never written through).
  DLMessageCopyItem: async (message, context) => {
    const source = await context.paths.resolveChecked(message.source);
    const destination = await context.paths.resolveChecked(message.destination);
    // A source only the previous backup has is linked into staging first; the copy is then the phone's.
    if (context.previous !== undefined && !(await exists(source))) await context.previous.pullIntoStaging(message.source, source);
    context.previous?.hide(message.destination);
    await replyWithOutcome(context, async () => {
      await fs.rm(destination, { recursive: true, force: true });
      await fs.mkdir(path.dirname(destination), { recursive: true, mode: PRIVATE_FOLDER_MODE });
      await fs.cp(source, destination, { recursive: true, errorOnExist: false, verbatimSymlinks: true });
    });
    return CHANGED;
  },

  // A DL request this version does not know: refuse it the way libimobiledevice does, and go on.
  // A status response is the host's word, never the device's: that stream is out of step.
  unknown: async (message, context) => {
    if (message.name === 'DLMessageStatusResponse') {
      throw new BackupError('protocol', 'The iPhone sent a status response where a request belongs, so the conversation is out of step; the backup was stopped.');
    }
    await context.deviceLink.sendStatusResponse(DL_STATUS.generic, 'Operation not supported');
    return KEPT;
  },
};

/** Dispatches one device request to its handler. */
export function handleDriveRequest(message: MessageOf<RequestKind>, context: DriveContext): Promise<TreeEffect> {
  const handler = DRIVE_HANDLERS[message.kind] as Handler<RequestKind>;
  return handler(message, context);
}

async function answerListing(devicePath: string, context: DriveContext): Promise<void> {
  const target = await context.paths.resolveChecked(devicePath);
  let listing: PlistDict;
  try {
    listing = await listDirectory(target, await context.previous?.list(devicePath));
  } catch (error) {
    // A link planted in the previous backup is our refusal, not a missing folder for the device to hear.
    if (error instanceof BackupError) throw error;
    const status = statusForError(error);
    await context.deviceLink.sendStatusResponse(status.code, status.description, {});
    return;
  }
  await context.deviceLink.sendStatusResponse(DL_STATUS.ok, undefined, listing);
}

/**
 * In an incremental run, the answer to the next content folder's listing, made now while the
 * phone works on this one (listing-ahead.ts). Only a plain answer is made ahead: a folder that
 * fails to list (or is refused) is left to its own request, which then says so.
 */
async function makeNextListingAhead(devicePath: string, context: DriveContext): Promise<void> {
  const next = context.previous === undefined ? undefined : nextContentFolder(devicePath);
  if (next === undefined) return;
  let listing: PlistDict;
  try {
    listing = await listDirectory(await context.paths.resolveChecked(next), await context.previous?.list(next));
  } catch {
    return;
  }
  context.listingAhead.madeFor(next, context.deviceLink.prepareStatusResponse(DL_STATUS.ok, undefined, listing));
}

async function replyWithOutcome(context: DriveContext, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    // Our own decisions (a hostile path, a wrong password) end the run; only file-system errors are the device's to hear.
    if (error instanceof BackupError) throw error;
    const status = statusForError(error);
    await context.deviceLink.sendStatusResponse(status.code, status.description);
    return;
  }
  await context.deviceLink.sendStatusResponse(DL_STATUS.ok);
}

async function removeItems(devicePaths: readonly string[], context: DriveContext): Promise<void> {
  const targets: string[] = [];
  for (const devicePath of devicePaths) targets.push(await context.paths.resolveChecked(devicePath));
  await replyWithOutcome(context, async () => {
    // Most removals are empty folders (the 256 `Snapshot/xx` of §7.2 step 16, §3.6.8): one rmdir
    // each, all at once on libuv's pool (an rmdir only ever takes an empty folder, so their order
    // cannot matter); whatever that left (a file, a link, a folder with content) goes in order below.
    const gone = await Promise.all(targets.map(removeIfEmptyFolder));
    for (const [index, target] of targets.entries()) {
      // Even `<UDID>` itself only ever means this run's staging; the previous backup's copy is only
      // hidden from the phone, and moves into the new snapshot at the commit.
      if (gone[index] !== true) await fs.rm(target, { recursive: true, force: true });
      context.previous?.hide(devicePaths[index] as string);
    }
  });
}

/** True when the path was an empty folder and is gone, or was not there at all; false for anything else. */
async function removeIfEmptyFolder(target: string): Promise<boolean> {
  try {
    await fs.rmdir(target);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * The file staging holds for a path, else the previous backup's (what an incremental run reads:
 * §7.2 steps 1–3 and 19); the staging path when neither has it, so the reply says it is missing.
 */
async function resolveForRead(devicePath: string, context: DriveContext): Promise<string> {
  const staged = await context.paths.resolveChecked(devicePath);
  if (context.previous === undefined || (await exists(staged))) return staged;
  return (await context.previous.resolveForRead(devicePath)) ?? staged;
}

/**
 * A MoveItems whose every pair moves an upload placed ahead to where it already is: answered
 * without touching the disk (the previous backup's copies are hidden as a rename would have
 * replaced them). The DL loop settled the uploads' writes before the first MoveItems (another
 * background group, drive-loop.ts), so a write failure is already known: it is the answer. Undefined when the request is anything
 * else; every placed file is then back under its upload name, and no more are placed.
 */
async function claimPlacedMoves(moves: ReadonlyArray<{ readonly from: string; readonly to: string }>, context: DriveContext): Promise<TreeEffect | undefined> {
  const { placedAhead, paths } = context;
  placedAhead.disarm();
  if (placedAhead.outstanding === 0) return undefined;
  if (!placedAhead.claim(moves.map((move) => ({ from: paths.resolve(move.from), to: paths.resolve(move.to) })))) {
    await putBackPlaced(context);
    return undefined;
  }
  for (const move of moves) {
    context.previous?.hide(move.from);
    context.previous?.hide(move.to);
  }
  const failure = context.fileWriter.failure;
  if (failure === undefined) {
    await context.deviceLink.sendStatusResponse(DL_STATUS.ok);
  } else {
    const status = statusForError(failure);
    await context.deviceLink.sendStatusResponse(status.code, status.description);
  }
  return KEPT;
}

/**
 * Before a move: a source only the previous backup holds (a resumed or old-format backup moves
 * files that were already there, §7.2) is hard-linked into staging so the move finds it, and
 * both ends stop showing the previous backup's copies (§3.6.7 replaces the destination).
 */
async function pullMoveSources<T extends { readonly from: string; readonly to: string }>(moves: readonly T[], context: DriveContext): Promise<readonly T[]> {
  const previous = context.previous;
  if (previous === undefined) return moves;
  for (const move of moves) {
    const source = context.paths.resolve(move.from);
    if (!context.paths.known.isOwnFile(source) && !(await exists(source))) await previous.pullIntoStaging(move.from, await context.paths.resolveChecked(move.from));
    previous.hide(move.from);
    previous.hide(move.to);
  }
  return moves;
}

async function exists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch {
    return false;
  }
}

/** A folder's entries as §3.6.6 lists them: staging's, over the previous backup's that this run did not remove. */
async function listDirectory(target: string, previous: ReadonlyMap<string, ListedEntry> | undefined): Promise<PlistDict> {
  const listing: Record<string, PlistValue> = {};
  for (const [name, entry] of previous ?? []) {
    listing[name] = {
      DLFileType: entry.isDirectory ? 'DLFileTypeDirectory' : entry.isFile ? 'DLFileTypeRegular' : 'DLFileTypeUnknown',
      DLFileSize: entry.size,
      DLFileModificationDate: entry.mtime,
    };
  }
  // Staging has no `xx` folder yet when an incremental run lists them (§7.2 step 3 comes before
  // step 7): one lstat says so, where a failed readdir cost an Error with its stack per folder.
  if (previous !== undefined && lstatSync(target, { throwIfNoEntry: false }) === undefined) return listing;
  let entries: Dirent[];
  try {
    entries = await fs.readdir(target, { withFileTypes: true });
  } catch (error) {
    // Staging lacks the folder, the previous backup has it: its listing is the answer.
    if (previous !== undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return listing;
    throw error;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    // Synchronous for the same reason as PreviousBackup.list: hundreds of entries per folder.
    const stat = lstatSync(path.join(target, entry.name), { throwIfNoEntry: false });
    if (stat === undefined) continue;
    listing[entry.name] = {
      DLFileType: stat.isDirectory() ? 'DLFileTypeDirectory' : stat.isFile() ? 'DLFileTypeRegular' : 'DLFileTypeUnknown',
      DLFileSize: stat.isFile() ? stat.size : 0,
      DLFileModificationDate: stat.mtime,
    };
  }
  return listing;
}
