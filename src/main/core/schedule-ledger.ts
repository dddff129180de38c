import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const fileSchema = z.record(z.string(), z.number().finite());

/**
 * Per phone, the instant up to which its schedule has been served: a scheduled run started then,
 * or the schedule was set then (slots before it are not "missed"). Kept on disk so a restart of
 * the app neither repeats a slot nor forgets one it missed. It is bookkeeping, not a setting, so it
 * has its own file beside settings.json; a damaged file is read as empty (at worst one extra backup).
 */
export class ScheduleLedger {
  private readonly served = new Map<string, number>();

  /** Without a file it lives in memory only (tests, a core without a settings folder). */
  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const parsed = fileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (parsed.success) for (const [udid, at] of Object.entries(parsed.data)) this.served.set(udid, at);
    } catch {
      // No runs recorded yet, or an unreadable file: start empty.
    }
  }

  servedUntil(udid: string): number | undefined {
    return this.served.get(udid);
  }

  markServed(udid: string, at: number): void {
    this.served.set(udid, at);
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(Object.fromEntries(this.served), null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, this.file);
  }
}
