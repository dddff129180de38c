import { Readable } from 'node:stream';
import { runCli } from '../../src/main/cli/main';
import type { PasswordIo } from '../../src/main/cli/password-input';
import type { SimHarness } from '../helpers/sim-harness';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `lifeboat ARGS` in-process against the harness's usbmuxd, with `stdinLines` as standard input. */
export async function cli(harness: SimHarness, args: readonly string[], options: { stdinLines?: readonly string[]; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: PasswordIo = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { ...harness.env, ...options.env },
    stdin: Readable.from(options.stdinLines === undefined ? [] : [options.stdinLines.map((line) => `${line}\n`).join('')]),
  };
  const code = await runCli(args, io, options.signal);
  return { code, stdout, stderr };
}

/** The NDJSON lines of a `--json` run, parsed. */
export function ndjson(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
