#!/usr/bin/env node
// The `lifeboat` command: the bundle built by `npm ci` (the `prepare` script), or the TypeScript
// sources through tsx when the bundle is missing or older than the sources (bin/cli-bundle.mjs).
import process from 'node:process';
import { URL } from 'node:url';
import { loadCli } from './cli-bundle.mjs';

try {
  const cli = await loadCli(new URL('../', import.meta.url));
  await cli.main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`lifeboat: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
