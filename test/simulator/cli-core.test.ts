import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCliArgs, parseFaultAssignments, UsageError } from '../../src/simulator/cli/cli-args';
import { runTool } from '../helpers/run-tool';

const repoRoot = path.resolve(__dirname, '..', '..');
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const cliMain = path.join(repoRoot, 'src', 'simulator', 'cli', 'main.ts');

describe('sim command line parsing', () => {
  it('reads the run options with their defaults', () => {
    expect(parseCliArgs(['--listen', 'UNIX:/tmp/x', '--state-dir', '/tmp/s', '--devices', '2', '--trust=ask'])).toEqual({
      kind: 'run', listen: 'UNIX:/tmp/x', stateDir: '/tmp/s', profile: undefined, seed: undefined, devices: 2, trust: 'ask', productVersion: undefined, verbose: false,
      connection: 'usb', enableWifiConnections: false,
    });
    expect(parseCliArgs(['--listen', 'UNIX:/tmp/x', '--state-dir', '/tmp/s', '--connection', 'both', '--enable-wifi-connections'])).toMatchObject({ connection: 'both', enableWifiConnections: true });
    expect(parseCliArgs(['erase', '--state-dir', '/tmp/s', '--udid', 'U'])).toEqual({ kind: 'erase', stateDir: '/tmp/s', udid: 'U' });
  });

  it('explains what is wrong with a bad command line', () => {
    expect(() => parseCliArgs(['--state-dir', '/tmp/s'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--listen', 'UNIX:/x', '--state-dir', '/s', '--profile', 'gigantic'])).toThrow(/--profile/);
    expect(() => parseCliArgs(['--listen', 'UNIX:/x', '--state-dir', '/s', '--devices', '0'])).toThrow(/--devices/);
    expect(() => parseCliArgs(['--listen', 'UNIX:/x', '--state-dir', '/s', '--colour', 'red'])).toThrow(/--colour/);
    expect(() => parseCliArgs(['--listen', 'UNIX:/x', '--state-dir', '/s', '--connection', 'bluetooth'])).toThrow(/--connection must be usb, network or both/);
  });

  it('turns KEY=VALUE fault assignments into typed values', () => {
    expect(parseFaultAssignments(['locked=true', 'linkBytesPerSecond=1000', 'trust=ask', 'replugAfterMs=null'])).toEqual({
      locked: true, linkBytesPerSecond: 1000, trust: 'ask', replugAfterMs: null,
    });
  });
});

describe('npm run sim', () => {
  let root: string;
  let stateDir: string;
  let address: string;
  let child: ChildProcessWithoutNullStreams | undefined;
  let output = '';

  const waitForOutput = async (text: string): Promise<void> => {
    await vi.waitFor(() => expect(output).toContain(text), { timeout: 30_000, interval: 50 });
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    stateDir = path.join(root, 'state');
    address = `UNIX:${path.join(root, 'mux.sock')}`;
    child = spawn(tsx, [cliMain, '--listen', address, '--state-dir', stateDir, '--trust', 'ask', '--seed', '41'], { cwd: repoRoot });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForOutput('ready\n');
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('shows the trust prompt, takes the answer from stdin, obeys live faults and stops on SIGTERM', async () => {
    const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: address };
    const udid = /device (\S+) /.exec(output)?.[1] ?? '';
    expect(udid).toMatch(/^0000/);

    const pending = await runTool('idevicepair', ['-u', udid, 'pair'], env);
    expect(pending.stdout).toContain('Please accept the trust dialog');
    await waitForOutput('Trust This Computer?');
    child!.stdin.write('trust\n');
    await waitForOutput(`${udid}: trusted`);
    expect((await runTool('idevicepair', ['-u', udid, 'pair'], env)).stdout).toContain('SUCCESS: Paired');

    const fault = await runTool(tsx, [cliMain, 'fault', '--state-dir', stateDir, 'locked=true'], process.env);
    expect(fault.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'devices', udid, 'faults.json'), 'utf8'))).toEqual({ locked: true });
    expect((await runTool('idevicepair', ['-u', udid, 'pair'], env)).stdout).toContain('because a passcode is set');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);

    const erase = await runTool(tsx, [cliMain, 'erase', '--state-dir', stateDir], process.env);
    expect(erase.stdout).toContain(`erased ${udid}`);
    const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'devices', udid, 'device.json'), 'utf8'));
    expect(state.trustedHosts).toEqual({});
  });
});
