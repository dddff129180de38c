import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { formatBytes } from '../src/shared/format';
import { type BenchContext, freeBytes, SEED, SLACK_BYTES } from './bench-context';
import { type Measurement, measureIdevicebackup2, measureLifeboat, runProcess } from './measure';
import { type RowSection, seconds, type Verdict } from './row-report';
import { startSimProcess } from './sim-process';

/** Issue 16: full and incremental backups of the million-file phone with Lifeboat's peak RSS under 400 MB. */
export const HUGE_RSS_TARGET_MB = 400;
/** One backup of `huge` is ~1,000,000 content files, ~2.7 GB of data, ~5 GB on disk (4 KiB blocks). */
const HUGE_BACKUP_BYTES = 5.5e9;
/**
 * The phone walks its million entries before it sends anything and again to build Manifest.db;
 * on a loaded two-core machine that can exceed the 5-minute silence after which a backup stops.
 */
const IDLE_TIMEOUT_MS = String(30 * 60_000);

interface BrowseReport {
  readonly entries: number;
  readonly openMs: number;
  readonly listMs: number;
  readonly searches: ReadonlyArray<{ readonly text: string; readonly hits: number; readonly ms: number }>;
  readonly maxRssKb: number;
}

/**
 * The `huge` row of `npm run bench` (issue 16 item 3), run by run.ts's hook: one virtual iPhone of
 * ~1,000,000 small files (src/simulator/phone/profiles.ts), a full and then a no-change
 * incremental backup by Lifeboat (and by idevicebackup2 unless `--tool lifeboat`), one round each
 * (a round is tens of minutes here), then the backup browser opening and searching Lifeboat's
 * backup. Each job runs in its own process, so each peak RSS is that job's. The phone keeps no
 * generated content in memory (LIFEBOAT_SIM_CONTENT_CACHE_BYTES=0) and its own peak RSS is shown.
 */
export async function benchHuge(context: BenchContext): Promise<RowSection> {
  const tools = context.options.tools;
  const needed = tools.length * HUGE_BACKUP_BYTES + SLACK_BYTES;
  const verdictRow = (kind: string): string => `Million-file profile \`huge\`: ${kind}`;
  const target = `completes with peak RSS < ${HUGE_RSS_TARGET_MB} MB`;
  if (freeBytes(context.scratch) < needed) {
    const reason = `only ${formatBytes(freeBytes(context.scratch))} free on ${context.scratch}; huge needs ${formatBytes(needed)}`;
    return { markdown: `## Million-file phone (huge)\n\nSkipped: ${reason}.`, verdicts: [{ row: verdictRow('full and incremental backups'), target, measured: `skipped: ${reason}`, met: undefined }] };
  }
  const workDir = fs.mkdtempSync(path.join(context.scratch, 'lifeboat-bench-huge-'));
  const stateDir = path.join(workDir, 'state');
  fs.mkdirSync(stateDir);
  process.env['LIFEBOAT_SIM_CONTENT_CACHE_BYTES'] ??= '0';
  const generating = Date.now();
  context.log('huge: generating the million-file phone (about a minute on two idle cores)…');
  const sim = await startSimProcess({ repoRoot: context.repoRoot, stateDir, profile: 'huge', seed: SEED });
  const generatedMs = Date.now() - generating;
  const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address, LIFEBOAT_IDLE_TIMEOUT_MS: IDLE_TIMEOUT_MS };
  const measurements: Array<Measurement & { readonly kind: string }> = [];
  let browse: BrowseReport | undefined;
  let simPeakKb: number | undefined;
  try {
    await runProcess('idevicepair', ['pair'], env, workDir, 'ignore');
    const child = await context.bundle('lifeboat-child');
    for (const kind of ['backup-full', 'backup-incremental'] as const) {
      for (const tool of tools) {
        context.log(`huge: ${tool} ${kind}…`);
        const folder = path.join(workDir, tool);
        fs.mkdirSync(folder, { recursive: true });
        const measured = tool === 'lifeboat'
          ? await measureLifeboat(context.repoRoot, child, kind, folder, sim.udid, env)
          : await measureIdevicebackup2(context.timeBinary ?? '/usr/bin/time', kind, folder, sim.udid, env);
        context.log(`huge: ${tool} ${kind} took ${seconds(measured.wallMs)}, peak RSS ${Math.round(measured.maxRssKb / 1024)} MB`);
        measurements.push({ ...measured, kind });
      }
    }
    simPeakKb = peakRssKb(sim.pid);
    if (tools.includes('lifeboat')) browse = await measureBrowse(context, path.join(workDir, 'lifeboat', sim.udid));
  } finally {
    await sim.stop();
    context.log('huge: removing the backups…');
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return { markdown: hugeMarkdown(measurements, browse, simPeakKb, generatedMs), verdicts: hugeVerdicts(measurements, verdictRow, target) };
}

function hugeVerdicts(measurements: ReadonlyArray<Measurement & { readonly kind: string }>, row: (kind: string) => string, target: string): Verdict[] {
  return (['backup-full', 'backup-incremental'] as const).map((kind) => {
    const run = measurements.find((measurement) => measurement.tool === 'lifeboat' && measurement.kind === kind);
    const name = kind === 'backup-full' ? 'full backup' : 'no-change incremental';
    if (run === undefined) return { row: row(name), target, measured: 'not measured', met: undefined };
    const mb = Math.round(run.maxRssKb / 1024);
    return { row: row(name), target, measured: `${seconds(run.wallMs)}, peak RSS ${mb} MB`, met: mb < HUGE_RSS_TARGET_MB };
  });
}

function hugeMarkdown(measurements: ReadonlyArray<Measurement & { readonly kind: string }>, browse: BrowseReport | undefined, simPeakKb: number | undefined, generatedMs: number): string {
  const lines = [
    '## Million-file phone (huge)',
    '',
    `One virtual iPhone of ~1,000,000 small files (profile \`huge\`, generated in ${seconds(generatedMs)}), one round per tool.`,
    '',
    '| Job | Tool | Time | Files | Peak RSS |',
    '|---|---|---|---|---|',
    ...measurements.map((run) => `| ${run.kind} | ${run.tool} | ${seconds(run.wallMs)} | ${Number.isFinite(run.files) ? run.files.toLocaleString('en-US') : '?'} | ${Math.round(run.maxRssKb / 1024)} MB |`),
  ];
  if (browse !== undefined) {
    lines.push(
      '',
      `Backup browser on Lifeboat's backup (${browse.entries.toLocaleString('en-US')} rows), peak RSS ${Math.round(browse.maxRssKb / 1024)} MB: open ${seconds(browse.openMs)}, every domain's top folder ${seconds(browse.listMs)}, ` +
        browse.searches.map((search) => `search "${search.text}" ${seconds(search.ms)} (${search.hits} hits)`).join(', ') + '.',
    );
  }
  if (simPeakKb !== undefined) lines.push('', `The virtual iPhone's own peak RSS over the whole row: ${Math.round(simPeakKb / 1024)} MB.`);
  return lines.join('\n');
}

/** The backup browser in its own bundled process (bench/huge-browse-child.ts), for its peak RSS. */
async function measureBrowse(context: BenchContext, folder: string): Promise<BrowseReport> {
  const outfile = path.join(context.repoRoot, 'dist', 'bench', 'huge-browse-child.mjs');
  await build({
    absWorkingDir: context.repoRoot, entryPoints: [path.join(context.repoRoot, 'bench', 'huge-browse-child.ts')], outfile,
    bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  const run = await runProcess(process.execPath, [outfile, folder], process.env, context.repoRoot, 'pipe');
  if (run.code !== 0) throw new Error(`The browser benchmark failed (exit ${run.code}): ${run.stderr.trim().slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as BrowseReport;
}

/** A process's peak RSS so far (Linux VmHWM), kilobytes; undefined elsewhere. */
function peakRssKb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
