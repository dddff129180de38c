import { benchmarkBrowser } from '../src/main/browser';

/**
 * The backup browser on a `huge` backup in a process of its own (bench/huge.ts), so its peak RSS
 * (`resourceUsage().maxRSS`, kilobytes) is the browser's alone: open, list every domain's top,
 * and three searches (a broad one that stops at its limit, a rare one, one that finds nothing and
 * so reads the whole path index). Prints one JSON line.
 * Usage: huge-browse-child BACKUP_FOLDER
 */
const [folder] = process.argv.slice(2);
if (folder === undefined) {
  process.stderr.write('usage: huge-browse-child BACKUP_FOLDER\n');
  process.exit(1);
}
const result = await benchmarkBrowser(folder, { searches: ['fsCachedData', 'sms.db', 'no such file anywhere'], limit: 1000 });
process.stdout.write(`${JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS })}\n`);
