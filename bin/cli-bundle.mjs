// Which code `lifeboat` runs: the bundle `npm ci` builds (dist/cli/, scripts/build-cli.ts) when it is
// current, else the TypeScript sources through tsx. Plain JavaScript because it runs before anything
// could compile TypeScript; kept apart from bin/lifeboat.mjs so a test can point it at another folder.
import fs from 'node:fs';
import { URL } from 'node:url';

/** The bundle's entry, or undefined when it is missing or older than a source file it was built from. */
export function currentBundle(root) {
  const entry = new URL('dist/cli/lifeboat.js', root);
  try {
    const builtAt = fs.statSync(entry).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(new URL('dist/cli/inputs.json', root), 'utf8'));
    // A source edited (or checked out) after the build: the bundle would run yesterday's code.
    // About 200 stats, a few milliseconds; a deleted source also means the bundle is stale.
    return inputs.every((input) => fs.statSync(new URL(input, root)).mtimeMs <= builtAt) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** The CLI module (its `main(argv)`), from the bundle when current, else from the sources. */
export async function loadCli(root) {
  const bundle = currentBundle(root);
  if (bundle !== undefined) return import(bundle.href);
  let tsImport;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch {
    throw new Error('The lifeboat command is not built (dist/cli/ is missing or older than the sources) and tsx is not installed to run the sources: run "npm run build:cli".');
  }
  return tsImport(new URL('src/main/cli/main.ts', root).href, import.meta.url);
}
