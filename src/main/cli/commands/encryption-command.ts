import { changeBackupPassword, getBackupEncryption, setBackupEncryption } from '../../backup/engine';
import { type CliIo, checkFlags, type ParsedArgs, UsageError } from '../cli-io';
import { chooseUdid, muxAddressOf, refusePasswordArgument, reportFailure } from '../command-support';
import { ExitCode } from '../exit-codes';
import { readPasswords } from '../password-input';
import { jsonLine } from '../progress-json';

type Action = 'status' | 'on' | 'off' | 'change-password';

/**
 * `lifeboat encryption`: shows or changes whether the iPhone encrypts its backups (the setting
 * lives on the phone, protocol.md §6.7). Passwords come from stdin with --password-stdin (one line
 * for on/off, two lines old then new for change-password) or a hidden prompt; never from argv.
 */
export async function encryptionCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  refusePasswordArgument(args);
  // --backup-root is accepted (and not needed: the setting lives on the phone) so scripts can pass the same options to every command.
  checkFlags(args, ['udid', 'password-stdin', 'json', 'backup-root']);
  const [word = 'status', extra] = args.positional;
  if (!['status', 'on', 'off', 'change-password'].includes(word)) throw new UsageError(`Unknown encryption command "${word}": use on, off, change-password or status.`);
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
  const action = word as Action;
  const json = args.flags.get('json') === true;
  const fromStdin = args.flags.get('password-stdin') === true;
  try {
    const target = { udid: await chooseUdid(args, io), muxAddress: muxAddressOf(io) };
    if (action === 'status') {
      const state = await getBackupEncryption(target);
      if (json) io.stdout(jsonLine('result', state));
      else io.stdout(`Backup encryption is ${state.enabled ? 'on' : 'off'}${state.requiredByManagement ? ' (required by a management profile)' : ''}.\n`);
      return ExitCode.ok;
    }
    if (action === 'on') {
      const [password] = await readPasswords(io, { fromStdin, prompts: ['New backup password'], confirmLast: true, signal });
      await setBackupEncryption({ ...target, enabled: true, password: password as string });
      report(io, json, true, 'Backup encryption is on. Keep the password safe: without it the backups cannot be restored.');
    } else if (action === 'off') {
      const [password] = await readPasswords(io, { fromStdin, prompts: ['Current backup password'], signal });
      await setBackupEncryption({ ...target, enabled: false, password: password as string });
      report(io, json, false, 'Backup encryption is off. The next backup is a full, unencrypted one.');
    } else {
      const [oldPassword, newPassword] = await readPasswords(io, { fromStdin, prompts: ['Current backup password', 'New backup password'], confirmLast: true, signal });
      await changeBackupPassword({ ...target, oldPassword: oldPassword as string, newPassword: newPassword as string });
      report(io, json, true, 'The backup password was changed. The next backup is a full one.');
    }
    return ExitCode.ok;
  } catch (error) {
    return reportFailure(io, error, json);
  }
}

function report(io: CliIo, json: boolean, enabled: boolean, sentence: string): void {
  io.stdout(json ? jsonLine('result', { enabled, message: sentence }) : `${sentence}\n`);
}
