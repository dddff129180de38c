import { describe, expect, it } from 'vitest';
import { BackupError, type BackupErrorCode } from '../../src/main/backup/backup-error';
import { LockdownError, MuxError } from '../../src/main/device/errors';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { exitCodeFor } from '../../src/main/cli/failure-exit-code';
import { createProgressRenderer } from '../../src/main/cli/progress-renderer';
import type { ProgressView } from '../../src/main/cli/progress-view';

/** The CLI progress renderers, driven by a fake clock so throttling is exact, and the exit-code table. */

function recorder(): { io: { stdout: (t: string) => void; stderr: (t: string) => void; env: NodeJS.ProcessEnv }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {} }, out, err };
}

function view(percent: number, extra: Partial<ProgressView> = {}): ProgressView {
  return { percent, filesDone: percent * 10, filesTotal: 1000, bytesDone: percent * 1_000_000, bytesTotal: 100_000_000, bytesPerSecond: 2_000_000, etaSeconds: 100 - percent, current: 'HomeDomain', phase: 'transferring', ...extra };
}

describe('progress renderers', () => {
  it('plain lines: one per 5 %, one per phase change, always the last, no \\r or escape codes', () => {
    const { io, err } = recorder();
    let now = 0;
    const renderer = createProgressRenderer(io, 'lines', () => now);
    renderer.update(view(0, { phase: 'preparing' }));
    for (let tenth = 0; tenth <= 1000; tenth++) {
      now += 1;
      renderer.update(view(tenth / 10));
    }
    renderer.update(view(100, { phase: 'done' }));
    renderer.end();
    const text = err.join('');
    expect(text.includes('\r') || text.includes('\u001b')).toBe(false);
    const lines = text.trimEnd().split('\n');
    // preparing, the phase change to transferring at 0 %, then 5, 10, … 100.
    expect(lines).toHaveLength(2 + 20);
    expect(lines[0]).toMatch(/^0% preparing: 0\/1000 files/);
    expect(lines[2]).toMatch(/^5% transferring: 50\/1000 files, 5\.0 MB of 100 MB, 2\.0 MB\/s, about 2 min left {2}HomeDomain$/);
    expect(lines.at(-1)).toMatch(/^100% transferring: 1000\/1000 files/);
  });

  it('a wait for the person is told as what to do, once, in every renderer, instead of frozen numbers', () => {
    const waiting = 'Enter your passcode on the iPhone to start the backup';
    const lines = recorder();
    const plain = createProgressRenderer(lines.io, 'lines', () => 0);
    plain.update(view(0, { phase: 'waiting-for-device' }));
    plain.update(view(0, { phase: 'waiting-for-passcode', waiting }));
    plain.update(view(0, { phase: 'waiting-for-passcode', waiting }));
    plain.update(view(0, { phase: 'waiting-for-device' }));
    expect(lines.err.join('').trimEnd().split('\n').map((line) => line.replace(/: .*/, ''))).toEqual(['0% waiting for device', `${waiting}…`, '0% waiting for device']);
    const terminal = recorder();
    const bar = createProgressRenderer(terminal.io, 'bar', () => 0);
    bar.update(view(0, { phase: 'waiting-for-passcode', waiting }));
    expect(terminal.err.join('')).toContain(`${waiting}…`);
    const json = recorder();
    createProgressRenderer(json.io, 'json', () => 0).update(view(0, { phase: 'waiting-for-passcode', waiting }));
    expect(JSON.parse(json.out.join(''))).toMatchObject({ phase: 'waiting-for-passcode', waiting });
  });

  it('plain lines: a crawling job still says it is alive every 30 s', () => {
    const { io, err } = recorder();
    let now = 0;
    const renderer = createProgressRenderer(io, 'lines', () => now);
    renderer.update(view(1));
    now = 29_000;
    renderer.update(view(1.5));
    now = 31_000;
    renderer.update(view(2));
    expect(err).toHaveLength(2);
  });

  it('bar: redraws the same line with \\r at most every 100 ms, ends with a newline, fits the width', () => {
    const { io, err } = recorder();
    let now = 1000;
    const renderer = createProgressRenderer(io, 'bar', () => now);
    renderer.update(view(10));
    now += 50;
    renderer.update(view(11));
    now += 60;
    renderer.update(view(12));
    renderer.update(view(100));
    // Further events at 100 % are throttled, but end() leaves the latest one on screen.
    renderer.update(view(100, { filesDone: 1001 }));
    renderer.update(view(100, { filesDone: 1002 }));
    renderer.end();
    renderer.end();
    expect(err).toHaveLength(5);
    for (const draw of err.slice(0, 3)) expect(draw.startsWith('\r\u001b[2K')).toBe(true);
    expect(err[1]).toMatch(/\[#{3}-{21}\] {2}12% 120\/1000 files, 12 MB of 100 MB, 2\.0 MB\/s, about 90 s left {2}HomeDomain$/);
    expect(err[2]).toMatch(/\[#{24}\] 100% 1000\/1000 files, 100 MB, 2\.0 MB\/s {2}HomeDomain$/);
    expect(err[3]).toMatch(/ 100% 1002\/1000 files/);
    expect(err[4]).toBe('\n');
  });

  it('json: NDJSON on stdout, throttled to 4 a second, phase changes and 100 % always', () => {
    const { io, out, err } = recorder();
    let now = 0;
    const renderer = createProgressRenderer(io, 'json', () => now);
    renderer.update(view(0, { phase: 'preparing' }));
    for (let step = 1; step <= 99; step++) {
      now += 10;
      renderer.update(view(step), { domain: 'HomeDomain' });
    }
    renderer.update(view(100));
    renderer.update(view(100));
    expect(err).toEqual([]);
    const events = out.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(out.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    // preparing at 0 ms, transferring at 10 ms, then every 250 ms of 990 ms, then 100 %.
    expect(events.map((event) => event.percent)).toEqual([0, 1, 26, 51, 76, 100]);
    expect(events[1]).toMatchObject({ type: 'progress', phase: 'transferring', domain: 'HomeDomain', filesTotal: 1000 });
  });
});

describe('exit codes', () => {
  it('maps each backup error to a stable code', () => {
    const expected: Record<BackupErrorCode, number> = {
      'no-device': 2,
      'device-locked': 4,
      'device-error': 7,
      protocol: 7,
      'hostile-path': 7,
      unsupported: 7,
      'disk-full': 8,
      'wrong-password': 9,
      'password-required': 9,
      corrupt: 10,
      'not-found': 11,
      busy: 12,
      disconnected: 13,
      timeout: 6,
      io: 14,
      cancelled: 130,
    };
    for (const [code, exit] of Object.entries(expected)) expect(exitCodeFor(new BackupError(code as BackupErrorCode, 'x')), code).toBe(exit);
  });

  it('reads failures through core\'s one error table, as the app does', () => {
    // Before, the CLI had tables of its own and these fell through to "other device error" (7).
    expect(exitCodeFor(new LockdownError('MissingPairRecord', 'no pair record'))).toBe(ExitCode.notTrusted);
    expect(exitCodeFor(Object.assign(new Error('write failed'), { code: 'ENOSPC' }))).toBe(ExitCode.diskFull);
    expect(exitCodeFor(new MuxError('ConnectionClosed', 'the phone went away'))).toBe(ExitCode.disconnected);
    expect(exitCodeFor(new LockdownError('Aborted', 'Pairing was cancelled.'))).toBe(ExitCode.cancelled);
    expect(exitCodeFor(new LockdownError('PairingTimeout', 'nobody tapped Trust'))).toBe(ExitCode.timeout);
    expect(exitCodeFor(new Error('a bug'))).toBe(ExitCode.deviceError);
  });

  it('keeps the device layer\'s reason behind "no device": usbmuxd not running is 5', () => {
    const cause = new MuxError('DaemonUnreachable', 'usbmuxd is not running');
    expect(exitCodeFor(new BackupError('no-device', 'x', { cause }))).toBe(ExitCode.daemonUnreachable);
    expect(exitCodeFor(new BackupError('no-device', 'x', { cause: new MuxError('DeviceNotFound', 'gone') }))).toBe(ExitCode.noDevice);
  });
});
