import { runBackup } from '../src/main/backup/engine';
import { importPhotos } from '../src/main/photos';
import { runRestore } from '../src/main/restore';

/**
 * One Lifeboat job in a process of its own, for the benchmark: prints one JSON line with the
 * job's own time, what it moved and the process's peak RSS (`resourceUsage().maxRSS`, kilobytes),
 * which is why it cannot run inside the benchmark driver.
 *
 *   lifeboat-child backup-full|backup-incremental BACKUP_ROOT UDID
 *   lifeboat-child restore BACKUP_ROOT UDID      (the phone's backup in BACKUP_ROOT, system files, no reboot)
 *   lifeboat-child photos DEST UDID              (photo import over AFC into DEST)
 *
 * USBMUXD_SOCKET_ADDRESS comes from the environment. The benchmark runs it bundled (child-bundle.ts).
 */
const [task, folder, udid] = process.argv.slice(2);
if (task === undefined || folder === undefined || udid === undefined) {
  process.stderr.write('usage: lifeboat-child backup-full|backup-incremental|restore|photos FOLDER UDID\n');
  process.exit(1);
}
const muxAddress = process.env['USBMUXD_SOCKET_ADDRESS'];
const started = performance.now();
let files = 0;
let bytes = 0;
if (task === 'backup-full' || task === 'backup-incremental') {
  const result = await runBackup({ backupRoot: folder, udid, full: task === 'backup-full', muxAddress });
  files = result.filesReceived;
  bytes = result.bytesReceived;
} else if (task === 'restore') {
  // What `lifeboat restore` does by default, as iTunes does: system files too, items the backup
  // lacks removed. No reboot, so the time is the transfer and not the phone's restart (the
  // idevicebackup2 run gets --no-reboot too).
  const result = await runRestore({ backupRoot: folder, udid, muxAddress, systemFiles: true, removeItemsNotRestored: true, reboot: false });
  files = result.filesSent;
  bytes = result.bytesSent;
} else if (task === 'photos') {
  const result = await importPhotos({ destination: folder, udid, muxAddress });
  if (result.failed.length > 0) throw new Error(`${result.failed.length} photos failed to import, the first: ${result.failed[0]?.reason ?? '?'}`);
  files = result.imported;
  bytes = result.bytes;
} else {
  process.stderr.write(`lifeboat-child: unknown task ${task}\n`);
  process.exit(1);
}
const jobMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ jobMs, files, bytes, maxRssKb: process.resourceUsage().maxRSS })}\n`);
