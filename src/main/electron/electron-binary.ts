/**
 * Finds the Electron executable the way the `electron` package does (its path.txt, or
 * ELECTRON_OVERRIDE_DIST_PATH), but answers with a sentence instead of throwing, because on machines
 * where the binary could not be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD) `npm start` must say so
 * and the Electron e2e test must skip. Plain Node; never imports electron itself.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

type ElectronBinary = { readonly found: true; readonly executablePath: string } | { readonly found: false; readonly reason: string };

const MISSING_ELECTRON_ADVICE =
  'Lifeboat can still be used in a browser: run `npm run demo`. To get the desktop app, reinstall Electron where downloads are allowed (unset ELECTRON_SKIP_BINARY_DOWNLOAD, then `npm rebuild electron`).';

/** Looks for the binary of the electron package installed for `fromDirectory` (the repo root). */
export function locateElectronBinary(fromDirectory: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(path.join(fromDirectory, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { found: false, reason: `The electron package is not installed under ${fromDirectory}. ${MISSING_ELECTRON_ADVICE}` };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!relative && !override) {
    return { found: false, reason: `The Electron binary is not installed (${path.relative(fromDirectory, pathFile) || pathFile} is missing: its download was skipped or failed). ${MISSING_ELECTRON_ADVICE}` };
  }
  const executablePath = override ? path.join(override, relative || 'electron') : path.join(packageDir, 'dist', relative!);
  if (!fs.existsSync(executablePath)) {
    return { found: false, reason: `The Electron binary ${executablePath} does not exist. ${MISSING_ELECTRON_ADVICE}` };
  }
  return { found: true, executablePath };
}
