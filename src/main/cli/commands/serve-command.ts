import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore } from '../../core/app-core';
import { describeMuxAddress, resolveMuxAddress } from '../../device/usbmux';
import { isLoopbackAddress, startWebBridge } from '../../web';
import { type CliIo, checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { backupRootOf, muxAddressOf } from '../command-support';
import { ExitCode } from '../exit-codes';

/** A fixed default, so the `ssh -L` line in the README works as written. */
const DEFAULT_SERVE_PORT = 8370;

/**
 * `lifeboat serve`: the app's web interface for the phones this machine's usbmuxd sees (a home server
 * with no screen), the same core and web bridge as `npm run demo` but with real phones. Loopback only
 * unless `--host` names another address and `--allow-remote` says it is meant: the bridge has a token
 * but no TLS, so the way in from elsewhere is an SSH tunnel.
 */
export async function serveCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  checkFlags(args, ['port', 'host', 'backup-root', 'allow-remote', 'static-dir']);
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  const host = stringFlag(args, 'host') ?? '127.0.0.1';
  const port = portOf(stringFlag(args, 'port'));
  const remote = !isLoopbackAddress(host);
  if (remote && args.flags.get('allow-remote') !== true) {
    throw new UsageError(
      `--host ${host} would let other computers on the network reach your iPhones and their backups over plain HTTP. ` +
        'Keep the default (127.0.0.1) and reach it through an SSH tunnel (lifeboat serve --help), or add --allow-remote if that is really meant.',
    );
  }
  const staticDir = staticDirOf(stringFlag(args, 'static-dir') ?? io.env['LIFEBOAT_STATIC_DIR']);
  if (!staticDir) {
    io.stderr('lifeboat: the web interface is not built, so there is nothing to serve. Run "npm run build:web" in Lifeboat\'s folder (or pass --static-dir DIR).\n');
    return ExitCode.localIoError;
  }
  const backupRoot = backupRootOf(args, io);
  const muxAddress = muxAddressOf(io);
  const userData = io.env['LIFEBOAT_USER_DATA_DIR'];
  const core = await createAppCore({
    ...(muxAddress === undefined ? {} : { muxAddress }),
    backupRoot,
    ...(userData ? { settingsPath: path.join(path.resolve(userData), 'settings.json') } : {}),
    mode: 'web',
    log: (line) => io.stderr(`${line}\n`),
  });
  // --backup-root is this run's folder even when the saved settings name another (as for every command).
  if (stringFlag(args, 'backup-root') !== undefined) await core.invoke('settings:set', { backupRoot });
  let bridge;
  try {
    bridge = await startWebBridge({ core, staticDir, port, host });
  } catch (error) {
    await core.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`Port ${port} on ${host} is already in use; choose another with --port.`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`${host} is not an address of this machine.`);
    throw error;
  }
  const where = (await core.invoke('settings:get', {})).backupRoot;
  io.stdout(`Lifeboat serves the iPhones that usbmuxd (${describeMuxAddress(resolveMuxAddress(muxAddress, io.env))}) sees.\n`);
  io.stdout(`Backups go to ${where}\n`);
  io.stdout(`\nOpen Lifeboat: ${bridge.url}\n\n`);
  io.stdout('The address works once: the first browser to open it is let in, and the token is spent.\n');
  if (remote) {
    io.stderr(`Warning: listening on ${host}:${bridge.port}. Anyone on that network who gets the address can reach your iPhones; the traffic is not encrypted.\n`);
  } else {
    io.stdout(`From another computer: ssh -N -L ${bridge.port}:127.0.0.1:${bridge.port} you@this-machine, then open the address above there.\n`);
  }
  io.stdout('Press Ctrl+C to stop.\n');
  await untilStopped(signal);
  await bridge.close();
  await core.close();
  return ExitCode.ok;
}

function portOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SERVE_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535 (0 picks a free one), not "${text}".`);
  return port;
}

/** The renderer build: --static-dir / LIFEBOAT_STATIC_DIR, else `dist/renderer` above this file (sources or bundle). */
function staticDirOf(given: string | undefined): string | undefined {
  const candidates = given ? [path.resolve(given)] : ancestors(path.dirname(fileURLToPath(import.meta.url))).map((dir) => path.join(dir, 'dist', 'renderer'));
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
}

function ancestors(start: string): string[] {
  const dirs: string[] = [];
  for (let dir = start; dirs.length < 6; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (path.dirname(dir) === dir) break;
  }
  return dirs;
}

/** Until Ctrl-C (the CLI's abort signal) or SIGTERM (a service manager stopping it). */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    if (signal?.aborted) return resolve();
    signal?.addEventListener('abort', done, { once: true });
    process.once('SIGTERM', done);
  });
}
