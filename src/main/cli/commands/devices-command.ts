import { type DeviceInspection, inspectDevice } from '../../device/manager';
import { type MuxDevice, UsbmuxClient } from '../../device/usbmux';
import { type CliIo, checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { ExitCode } from '../exit-codes';
import { formatBytes } from '../../../shared/format';

interface ListedDevice extends DeviceInspection {
  readonly udid: string;
  readonly connectionType: string;
}

/** `lifeboat devices`: every connected phone with its trust state and summary. */
export async function devicesCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  checkFlags(args, ['json', 'timeout']);
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  const timeoutMs = timeoutFromArgs(args);
  const mux = new UsbmuxClient({ address: io.env['USBMUXD_SOCKET_ADDRESS'], timeoutMs });
  const devices = uniqueByUdid(await mux.listDevices());
  const listed: ListedDevice[] = [];
  for (const device of devices) {
    listed.push({ udid: device.udid, connectionType: device.connectionType, ...(await inspectDevice(mux, device, timeoutMs)) });
  }
  if (args.flags.has('json')) {
    io.stdout(JSON.stringify(listed, null, 2) + '\n');
    return ExitCode.ok;
  }
  if (listed.length === 0) {
    io.stdout('No iPhone is connected. Plug one in with a USB cable and unlock it.\n');
    return ExitCode.ok;
  }
  for (const device of listed) io.stdout(describe(device));
  return ExitCode.ok;
}

export function timeoutFromArgs(args: ParsedArgs): number {
  const text = stringFlag(args, 'timeout');
  if (text === undefined) return 30_000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--timeout must be a positive number of seconds.');
  return Math.round(seconds * 1000);
}

/** A phone on USB and Wi-Fi at once is listed once, by its USB connection. */
function uniqueByUdid(devices: readonly MuxDevice[]): MuxDevice[] {
  const byUdid = new Map<string, MuxDevice>();
  for (const device of devices) {
    const known = byUdid.get(device.udid);
    if (!known || (known.connectionType !== 'USB' && device.connectionType === 'USB')) byUdid.set(device.udid, device);
  }
  return [...byUdid.values()];
}

function describe(device: ListedDevice): string {
  const s = device.summary;
  const lines = [`${s.name ?? 'iPhone'}  (${device.udid}, ${device.connectionType})`, `  trust: ${device.trust}`];
  if (s.productType || s.productVersion) lines.push(`  model: ${s.productType ?? '?'}, iOS ${s.productVersion ?? '?'}${s.buildVersion ? ` (${s.buildVersion})` : ''}`);
  if (s.serialNumber) lines.push(`  serial: ${s.serialNumber}`);
  if (s.totalCapacityBytes !== undefined) {
    lines.push(`  storage: ${formatBytes(s.freeBytes)} free of ${formatBytes(s.totalCapacityBytes)}`);
  }
  if (s.batteryPercent !== undefined) lines.push(`  battery: ${s.batteryPercent}%${s.batteryCharging ? ' (charging)' : ''}`);
  if (s.backupEncryptionEnabled !== undefined) lines.push(`  encrypted backups: ${s.backupEncryptionEnabled ? 'on' : 'off'}`);
  if (device.trust === 'trusted') lines.push(`  last backup: ${s.lastBackupDate ? s.lastBackupDate.toISOString() : 'never'}`);
  if (device.problem) lines.push(`  ${device.problem}`);
  return lines.join('\n') + '\n';
}
