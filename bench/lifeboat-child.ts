import { runBackup } from '../src/main/backup/engine';

/**
 * One Lifeboat backup in a process of its own, for the benchmark: prints one JSON line with the
 * engine's result and the process's peak RSS (`resourceUsage().maxRSS`, kilobytes), which is why
 * it cannot run inside the benchmark driver.
 * Usage: tsx bench/lifeboat-child.ts BACKUP_ROOT UDID (USBMUXD_SOCKET_ADDRESS in the environment); the
 * benchmark runs it bundled (child-bundle.ts).
 */
const [backupRoot, udid] = process.argv.slice(2);
if (backupRoot === undefined || udid === undefined) {
  process.stderr.write('usage: tsx bench/lifeboat-child.ts BACKUP_ROOT UDID\n');
  process.exit(1);
}
const started = performance.now();
const result = await runBackup({ backupRoot, udid, full: true, muxAddress: process.env['USBMUXD_SOCKET_ADDRESS'] });
const backupMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ backupMs, files: result.filesReceived, bytes: result.bytesReceived, maxRssKb: process.resourceUsage().maxRSS })}\n`);
