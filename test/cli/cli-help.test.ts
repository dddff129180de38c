import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';

/** `--help` on every command: its usage, exit 0, and no phone or backup touched (the usbmuxd address leads nowhere). */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (text) => (out += text), stderr: (text) => (err += text), env: { USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/usbmuxd.sock', LIFEBOAT_BACKUP_ROOT: '/nonexistent/backups' } });
  return { code, out, err };
}

const COMMANDS = ['devices', 'pair', 'photos', 'restore', 'browse', 'extract', 'backup', 'backups', 'verify', 'delete', 'encryption', 'serve'];

describe('lifeboat --help', () => {
  it('lists every command with what it does', async () => {
    const { code, out, err } = await run(['--help']);
    expect(code).toBe(ExitCode.ok);
    expect(err).toBe('');
    for (const command of COMMANDS) expect(out).toContain(`lifeboat ${command}`);
    expect(out).toContain('Run "lifeboat COMMAND --help"');
  });

  it.each(COMMANDS)('lifeboat %s --help and -h answer with the usage, exit 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = await run([command, flag]);
      expect(err).toBe('');
      expect(code).toBe(ExitCode.ok);
      expect(out).toMatch(new RegExp(`^Usage: lifeboat ${command}\\b`));
      expect(out).not.toMatch(/Unknown option/);
    }
  });

  it('answers --help after other arguments too, and "lifeboat help COMMAND"', async () => {
    expect((await run(['photos', 'import', '--to', '/tmp/x', '--help'])).out).toMatch(/^Usage: lifeboat photos import/);
    expect((await run(['help', 'restore'])).out).toMatch(/^Usage: lifeboat restore/);
    expect((await run(['nonsense', '--help'])).code).toBe(ExitCode.usage);
  });

  it('says that restore puts everything back, system files included, and how to opt out', async () => {
    const { out } = await run(['restore', '--help']);
    expect(out).toMatch(/including system files \(the keychain,\s+Wi-Fi networks, saved passwords\)/);
    expect(out).toMatch(/--no-system +leave system files out/);
    expect(out).toContain('[--no-system]');
  });

  it('refuses --system together with --no-system', async () => {
    const { code, err } = await run(['restore', '--system', '--no-system']);
    expect(code).toBe(ExitCode.usage);
    expect(err).toMatch(/Choose --system or --no-system, not both\./);
  });
});
