import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface SimProcess {
  readonly address: string;
  readonly udid: string;
  readonly pid: number;
  /**
   * Types a line on the simulator's console (e.g. `change modify=1000`, cli/console-change.ts) and
   * resolves with the first line it prints that matches `reply`; a line matching `failure` rejects.
   */
  command(line: string, reply: RegExp, failure?: RegExp): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the virtual iPhone as its own process (`npm run sim`, without npm's wrapper), so the
 * client being measured does not share an event loop, a heap or an RSS figure with the phone.
 */
export async function startSimProcess(options: { repoRoot: string; stateDir: string; profile: string; seed: number }): Promise<SimProcess> {
  const socket = path.join(options.stateDir, 'usbmuxd.sock');
  const child = spawn(
    process.execPath,
    [...simProfiling(), '--import', 'tsx', path.join(options.repoRoot, 'src/simulator/cli/main.ts'), '--listen', `UNIX:${socket}`, '--state-dir', options.stateDir, '--profile', options.profile, '--seed', String(options.seed)],
    { cwd: options.repoRoot, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, LIFEBOAT_SIM_CONTENT_CACHE_BYTES: simContentCacheBytes() } },
  );
  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let address: string | undefined;
  let udid: string | undefined;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The simulator exited with code ${code} before it was ready.`)));
    lines.on('line', (line) => {
      const device = /^device (\S+)/.exec(line);
      if (device) udid ??= device[1];
      const mux = /^USBMUXD_SOCKET_ADDRESS=(.+)$/.exec(line);
      if (mux) address = mux[1];
      if (line === 'ready') resolve();
    });
  });
  child.removeAllListeners('exit');
  if (address === undefined || udid === undefined) throw new Error('The simulator did not print its address and device.');
  const command = (line: string, reply: RegExp, failure = /failed/): Promise<string> =>
    new Promise((resolve, reject) => {
      const onLine = (printed: string): void => {
        if (!reply.test(printed) && !failure.test(printed)) return;
        lines.off('line', onLine);
        child.off('exit', onExit);
        if (reply.test(printed)) resolve(printed);
        else reject(new Error(`The simulator answered "${line}" with: ${printed}`));
      };
      const onExit = (code: number | null): void => {
        lines.off('line', onLine);
        reject(new Error(`The simulator exited (code ${code}) before answering "${line}".`));
      };
      lines.on('line', onLine);
      child.once('exit', onExit);
      child.stdin?.write(`${line}\n`);
    });
  return { address, udid, pid: child.pid ?? -1, command, stop: () => stopChild(child) };
}

/**
 * The phone keeps every generated file up to 8 MiB in memory (8 GiB at most, about 6.5 GB for the
 * large profile), built during the warm-up backup. A real iPhone reads its flash without costing
 * the computer anything; regenerating 5 GB of photos per backup here cost the phone process 12–45 s
 * of CPU (mostly garbage collection) on the two cores the tools being measured also use, which
 * made both tools wait for the phone. An explicit LIFEBOAT_SIM_CONTENT_CACHE_BYTES wins.
 */
function simContentCacheBytes(): string {
  return process.env['LIFEBOAT_SIM_CONTENT_CACHE_BYTES'] ?? String(8 * 1024 * 1024 * 1024);
}

/** LIFEBOAT_BENCH_SIM_CPU_PROF=DIR: a V8 profile of the phone too, to see whether its send side limits both tools. */
function simProfiling(): string[] {
  const dir = process.env['LIFEBOAT_BENCH_SIM_CPU_PROF'];
  return dir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(dir)] : [];
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
