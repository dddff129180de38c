import readline from 'node:readline';
import { type CliIo, processIo, UsageError } from './cli-io';

/**
 * Where passwords come from. Never argv (visible in `ps` and shell history) and never logged:
 * `--password-stdin` reads lines from standard input, otherwise a terminal gets a hidden prompt.
 * In-process callers (tests, the app) may hand a stream in through `stdin`.
 */
export interface PasswordIo extends CliIo {
  readonly stdin?: NodeJS.ReadableStream;
}

interface PasswordRequest {
  /** Read the lines from stdin (`--password-stdin`) instead of prompting. */
  readonly fromStdin: boolean;
  /** One prompt per password wanted, e.g. ['Current backup password', 'New backup password']. */
  readonly prompts: readonly string[];
  /** Ask for the last password twice on a terminal (choosing a new one). */
  readonly confirmLast?: boolean;
  readonly signal?: AbortSignal;
}

export class PasswordInputError extends Error {
  /** Ctrl-C at the prompt: the command exits 130 like any other cancel. */
  readonly cancelled: boolean;

  constructor(message: string, cancelled = false) {
    super(message);
    this.name = 'PasswordInputError';
    this.cancelled = cancelled;
  }
}

function stdinOf(io: CliIo): NodeJS.ReadableStream {
  return (io as PasswordIo).stdin ?? process.stdin;
}

export async function readPasswords(io: CliIo, request: PasswordRequest): Promise<string[]> {
  const input = stdinOf(io);
  if (request.fromStdin) return readLines(input, request.prompts.length, request.prompts);
  const terminal = io === processIo && process.stdin.isTTY === true && input === process.stdin;
  if (!terminal) {
    throw new UsageError('A password is needed. Pipe it in with --password-stdin (one per line), or run the command in a terminal to be asked.');
  }
  const passwords: string[] = [];
  for (const prompt of request.prompts) passwords.push(await promptHidden(io, `${prompt}: `, request.signal));
  if (request.confirmLast) {
    const again = await promptHidden(io, 'Type it again: ', request.signal);
    if (again !== passwords.at(-1)) throw new PasswordInputError('The two passwords are not the same; nothing was changed.');
  }
  return passwords;
}

/** The first `count` lines of `input`, without their line ends; an empty or missing line is an error. */
function readLines(input: NodeJS.ReadableStream, count: number, prompts: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const reader = readline.createInterface({ input, terminal: false, crlfDelay: Infinity });
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      reader.close();
      if (lines.length < count || lines.some((line) => line === '')) {
        const missing = prompts[lines.findIndex((line) => line === '')] ?? prompts[lines.length] ?? 'password';
        reject(new PasswordInputError(`--password-stdin expects ${count === 1 ? 'the password' : `${count} lines (${prompts.join(', then ')})`} on standard input; the ${missing.toLowerCase()} is missing.`));
      } else resolve(lines);
    };
    reader.on('line', (line) => {
      if (lines.length < count) lines.push(line);
      if (lines.length === count) finish();
    });
    reader.once('close', finish);
    reader.once('error', (error) => {
      settled = true;
      reject(error);
    });
  });
}

/** A prompt on stderr whose answer is not echoed; Ctrl-C cancels. */
function promptHidden(io: CliIo, prompt: string, signal?: AbortSignal): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let answer = '';
    const wasRaw = stdin.isRaw;
    // Echo off before the prompt shows: someone (or a script) typing at once would see the password.
    stdin.setRawMode(true);
    io.stderr(prompt);
    stdin.resume();
    const cleanup = (): void => {
      stdin.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      io.stderr('\n');
    };
    const onAbort = (): void => {
      cleanup();
      reject(new PasswordInputError('Cancelled at the password prompt; nothing was changed.', true));
    };
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          cleanup();
          if (answer === '') reject(new PasswordInputError('No password was entered; nothing was changed.'));
          else resolve(answer);
          return;
        }
        // Raw mode turns Ctrl-C into a character instead of SIGINT.
        if (char === '\u0003') return onAbort();
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else if (char >= ' ') answer += char;
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stdin.on('data', onData);
  });
}
