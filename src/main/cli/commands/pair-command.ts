import { LockdownError } from '../../device/errors';
import { pairDevice } from '../../device/lockdown';
import { UsbmuxClient } from '../../device/usbmux';
import { type CliIo, checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { ExitCode } from '../exit-codes';
import { timeoutFromArgs } from './devices-command';

/**
 * `lifeboat pair`: asks the phone to trust this computer and waits while the "Trust This
 * Computer?" dialog is up (§2.5.2). Ctrl-C cancels.
 */
export async function pairCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  checkFlags(args, ['udid', 'wait', 'timeout']);
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  const timeoutMs = timeoutFromArgs(args);
  const waitText = stringFlag(args, 'wait');
  const dialogTimeoutMs = waitText === undefined ? 120_000 : Number(waitText) * 1000;
  if (!Number.isFinite(dialogTimeoutMs) || dialogTimeoutMs <= 0) throw new UsageError('--wait must be a positive number of seconds.');
  const udid = stringFlag(args, 'udid');

  const mux = new UsbmuxClient({ address: io.env['USBMUXD_SOCKET_ADDRESS'], timeoutMs });
  if (udid === undefined) {
    const udids = new Set((await mux.listDevices()).map((device) => device.udid));
    if (udids.size > 1) throw new UsageError(`${udids.size} iPhones are connected; choose one with --udid (see "lifeboat devices").`);
  }
  const device = await mux.findDevice(udid);
  const record = await pairDevice(device, {
    mux,
    dialogTimeoutMs,
    signal,
    onDialogShown: () => io.stderr('Unlock your iPhone and tap Trust to let this computer connect…\n'),
  }).catch((error: unknown) => {
    if (error instanceof LockdownError && error.code === 'UserDeniedPairing') {
      throw new LockdownError('UserDeniedPairing', 'Pairing was refused: someone tapped "Don\'t Trust" on the iPhone. Unplug it, plug it back in and run "lifeboat pair" again.');
    }
    throw error;
  });
  io.stdout(`Paired with ${device.udid}. This computer is now trusted (host ID ${record.hostId}).\n`);
  return ExitCode.ok;
}
