/**
 * Runs one backup and prints progress as JSON lines, so engine-kill.test.ts can kill -9 it at a
 * chosen point. Arguments: backup root, usbmuxd address, UDID.
 */
import { runBackup } from '../../src/main/backup/engine';

const [root, muxAddress, udid] = process.argv.slice(2);
runBackup({
  udid,
  backupRoot: root,
  muxAddress,
  full: true,
  onProgress: (progress) => process.stdout.write(`${JSON.stringify({ bytesDone: progress.bytesDone, phase: progress.phase })}\n`),
}).then(
  () => process.stdout.write('{"done":true}\n'),
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
    process.exitCode = 1;
  },
);
