/**
 * The `lifeboat` command as `npm ci` ships it (scripts/build-cli.ts, issue 16): a bundle whose
 * entry loads no npm package, so `--help` and `--version` start at once; commands that only talk
 * to a paired phone never load better-sqlite3 or X.509; and bin/ runs the bundle only while it is
 * newer than every source it was built from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THREAD_MODULES } from '../../src/main/backup/store/module-worker';
import { buildCli, type CliBuildResult, type CliOutput } from '../../scripts/build-cli';
import { currentBundle } from '../../bin/cli-bundle.mjs';
import { runTool } from '../helpers/run-tool';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Inside the repository (.tmp/ is ignored), so the bundle finds package.json for --version as dist/cli/ does.
const OUT_DIR = path.join(REPO_ROOT, '.tmp', `cli-bundle-${process.pid}`);
const HEAVY_PACKAGES = ['better-sqlite3', '@peculiar/x509', 'reflect-metadata'];

/** Every npm package a file loads before its code runs: its static imports, followed through chunks. */
function packagesLoadedBy(file: string, outputs: ReadonlyMap<string, CliOutput>, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  for (const imported of outputs.get(file)?.staticImports ?? []) {
    if (outputs.has(imported)) for (const name of packagesLoadedBy(imported, outputs, seen)) packages.add(name);
    else if (!imported.startsWith('node:')) packages.add(imported);
  }
  return packages;
}

function commandChunk(built: CliBuildResult, command: string): string {
  const source = `src/main/cli/commands/${command}-command.ts`;
  const found = [...built.outputs].find(([, output]) => output.entryPoint === source);
  if (!found) throw new Error(`no chunk starts at ${source}`);
  return found[0];
}

describe('the lifeboat bundle', () => {
  let built: CliBuildResult;
  beforeAll(async () => {
    built = await buildCli(OUT_DIR);
  });
  afterAll(() => fs.rmSync(OUT_DIR, { recursive: true, force: true }));

  it('starts without loading any npm package, and answers --help and --version', async () => {
    expect([...packagesLoadedBy(built.entryFile, built.outputs)]).toEqual([]);
    const help = await runTool(process.execPath, [built.entryFile, '--help'], { PATH: process.env['PATH'] ?? '' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('lifeboat backup');
    const version = await runTool(process.execPath, [built.entryFile, '--version'], { PATH: process.env['PATH'] ?? '' });
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`lifeboat ${manifest.version}\n`);
  });

  it('loads better-sqlite3 and X.509 only with the commands that need them', () => {
    for (const command of ['devices', 'pair']) {
      const loaded = packagesLoadedBy(commandChunk(built, command), built.outputs);
      for (const heavy of HEAVY_PACKAGES) expect(loaded.has(heavy), `${command} loads ${heavy}`).toBe(false);
    }
    expect(packagesLoadedBy(commandChunk(built, 'backup'), built.outputs).has('better-sqlite3')).toBe(true);
  });

  it('loads zod only with serve, which runs the app core: the other commands map errors without it (a sixth of a second of CPU at every start)', () => {
    const commands = fs.readdirSync(path.join(REPO_ROOT, 'src/main/cli/commands')).filter((file) => file.endsWith('-command.ts')).map((file) => file.replace(/-command\.ts$/, ''));
    expect(commands).toContain('backup');
    const withZod = commands.filter((command) => packagesLoadedBy(commandChunk(built, command), built.outputs).has('zod'));
    expect(withZod).toEqual(['serve']);
  });

  it('puts every thread module beside the chunks that start it', () => {
    for (const name of Object.keys(THREAD_MODULES)) expect(fs.existsSync(path.join(OUT_DIR, `${name}.js`)), name).toBe(true);
  });
});

describe('bin/lifeboat.mjs chooses the bundle only while it is current', () => {
  const root = path.join(REPO_ROOT, '.tmp', `cli-choice-${process.pid}`);
  const rootUrl = pathToFileURL(`${root}/`);
  const entry = path.join(root, 'dist', 'cli', 'lifeboat.js');
  const source = path.join(root, 'src', 'main.ts');
  const at = (seconds: number, file: string): void => fs.utimesSync(file, seconds, seconds);

  beforeAll(() => {
    fs.mkdirSync(path.dirname(entry), { recursive: true });
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(entry, '');
    fs.writeFileSync(source, '');
    fs.writeFileSync(path.join(root, 'dist', 'cli', 'inputs.json'), JSON.stringify(['src/main.ts']));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('runs the bundle built after its sources', () => {
    at(1_000, source);
    at(2_000, entry);
    expect(currentBundle(rootUrl)?.href).toBe(pathToFileURL(entry).href);
  });

  it('runs the sources once one is edited after the build, or is gone', () => {
    at(3_000, source);
    at(2_000, entry);
    expect(currentBundle(rootUrl)).toBeUndefined();
    fs.renameSync(source, `${source}.moved`);
    at(2_000, entry);
    expect(currentBundle(rootUrl)).toBeUndefined();
    fs.renameSync(`${source}.moved`, source);
  });

  it('runs the sources when there is no bundle', () => {
    expect(currentBundle(pathToFileURL(`${path.join(root, 'nowhere')}/`))).toBeUndefined();
  });
});
