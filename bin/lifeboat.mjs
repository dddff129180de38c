#!/usr/bin/env node
// The `lifeboat` command: runs the TypeScript CLI through tsx's ESM loader, so `npx lifeboat`
// works straight after `npm ci` without a build step.
import process from 'node:process';
import { tsImport } from 'tsx/esm/api';

const cli = await tsImport('../src/main/cli/main.ts', import.meta.url);
await cli.main(process.argv.slice(2));
