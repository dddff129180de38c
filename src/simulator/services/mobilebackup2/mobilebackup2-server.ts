import type { Duplex } from 'node:stream';
import { type PlistDict, PlistReal, encodeFrame, plistArrayOf, plistString } from '../../../main/device/codec';
import { type ServiceContext, type ServiceHandler, TRAFFIC_FAULT_FILE_MAX_AGE_MS } from '../../device/service-context';
import { runBackup } from './backup-engine';
import { runChangePassword, runEnableCloudBackup } from './change-password';
import { DeviceLink } from './device-link';
import { HostDrive } from './host-drive';
import { runInfo, runUnsupportedLegacyListing } from './info-list';
import { HostGoneError, HostProtocolError, MB_ERROR, MobileBackupError } from './mb-error';
import { runRestore } from './restore-engine';
import { Session } from './session';

/** mobilebackup2 protocol versions the simulated BackupAgent2 speaks (§3.3), best last. */
const SUPPORTED_PROTOCOL_VERSIONS = [2.0, 2.1];

type Operation = (session: Session, request: PlistDict, deviceLinkMajor: number) => Promise<void>;

const OPERATIONS: ReadonlyMap<string, Operation> = new Map<string, Operation>([
  ['Backup', runBackup],
  ['Restore', runRestore],
  ['Info', runInfo],
  ['List', runUnsupportedLegacyListing],
  ['Unback', runUnsupportedLegacyListing],
  ['Extract', runUnsupportedLegacyListing],
  ['ChangePassword', runChangePassword],
  ['EnableCloudBackup', runEnableCloudBackup],
]);

/** DeviceLink major version by iOS release: 400 from iOS 14, 300 before (§3.2). */
export function deviceLinkMajorFor(productVersion: string): number {
  return Number.parseInt(productVersion, 10) >= 14 ? 400 : 300;
}

/** The device side of com.apple.mobilebackup2 (protocol.md §3, §7): one connection, many requests. */
export const serveMobileBackup2: ServiceHandler = (socket, context) => runConnection(socket, context);

async function runConnection(socket: Duplex, context: ServiceContext): Promise<void> {
  // Fault injection (§8.3): pull the cable once a byte or file budget of this connection is spent.
  let trafficBytes = 0;
  let filesMoved = 0;
  let pulled = false;
  const pullCable = (reason: string): void => {
    if (pulled) return;
    pulled = true;
    context.unplug(`fault: unplugged after ${reason}`);
  };
  const link = new DeviceLink(socket, {
    onTraffic: (bytes) => {
      trafficBytes += bytes;
      const limit = context.faults(TRAFFIC_FAULT_FILE_MAX_AGE_MS).unplugAfterBytes;
      if (limit !== undefined && trafficBytes >= limit) pullCable(`${trafficBytes} bytes of mobilebackup2 traffic`);
    },
    silentAfterBytes: () => context.faults(TRAFFIC_FAULT_FILE_MAX_AGE_MS).silentAfterBytes,
  });
  // The file budget is checked between DL messages: libimobiledevice 1.3.0 spins forever when the
  // link dies inside a file stream, while a cut between messages fails it cleanly.
  const drive = new HostDrive(link, {
    onFileTransferred: () => {
      filesMoved += 1;
    },
    beforeRequest: () => {
      const faults = context.faults();
      const limit = faults.unplugAfterFiles;
      if (limit !== undefined && filesMoved >= limit) {
        pullCable(`${filesMoved} files`);
        throw new HostGoneError('The cable was pulled (fault injection).');
      }
      // Between messages, like the cable: the request that follows is never sent.
      if (faults.silentAfterFiles !== undefined && filesMoved >= faults.silentAfterFiles) link.fallSilent();
    },
  });
  const session = new Session(link, drive, context);
  try {
    const major = deviceLinkMajorFor(context.identity.productVersion);
    if (!(await link.exchangeVersion(major))) {
      context.log('mobilebackup2: the computer refused DeviceLink version ' + major);
      return;
    }
    if (!(await answerHello(link))) return;
    for (;;) {
      const message = await link.receive();
      if (message.name === 'DLMessageDisconnect') return;
      // Late replies (a PurgeDiskSpace answer after we gave up waiting) are not requests.
      if (message.name !== 'DLMessageProcessMessage') continue;
      const request = message.items[1];
      if (request === undefined || typeof request !== 'object' || Array.isArray(request)) continue;
      await runOperation(session, request as PlistDict, major);
    }
  } catch (error) {
    if (!(error instanceof HostGoneError)) context.log(`mobilebackup2: connection ended: ${(error as Error).message}`);
  } finally {
    session.dispose();
    link.close();
  }
}

/** Hello (§3.3): pick the highest version both sides know; ErrorCode 1 when there is none. */
async function answerHello(link: DeviceLink): Promise<boolean> {
  const hello = await link.receiveProcessMessage();
  if (plistString(hello['MessageName']) !== 'Hello') {
    throw new HostProtocolError('The computer did not start with Hello.');
  }
  const offered = (plistArrayOf(hello['SupportedProtocolVersions']) ?? []).map((value) =>
    value instanceof PlistReal ? value.value : typeof value === 'number' ? value : Number.NaN,
  );
  const common = SUPPORTED_PROTOCOL_VERSIONS.filter((version) => offered.some((other) => Math.abs(other - version) < 1e-9));
  const chosen = common.at(-1);
  if (chosen === undefined) {
    await link.sendProcessMessage({ MessageName: 'Response', ErrorCode: 1 });
    return false;
  }
  await link.sendProcessMessage({ MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(chosen) });
  return true;
}

async function runOperation(session: Session, request: PlistDict, major: number): Promise<void> {
  const { context, drive, link } = session;
  const name = plistString(request['MessageName']) ?? '';
  const operation = OPERATIONS.get(name);
  if (context.faults().malformedReplies === 'mobilebackup2') {
    // Fault injection (§8.3): garbage where a DeviceLink message belongs.
    await link.writeRaw(encodeFrame(Buffer.from('\u0000\u0001 this is not a property list \u00ff', 'latin1')));
    return;
  }
  if (!operation) {
    await drive.finish(MB_ERROR.generic, new MobileBackupError(MB_ERROR.generic, `Unknown request ${name}`).message);
    return;
  }
  try {
    await operation(session, request, major);
  } catch (error) {
    if (error instanceof HostGoneError || error instanceof HostProtocolError) throw error;
    const failure =
      error instanceof MobileBackupError ? error : new MobileBackupError(MB_ERROR.generic, `Internal error: ${(error as Error).message}`);
    context.log(`mobilebackup2: ${name} failed: ${failure.message}`);
    await drive.finish(failure.code, failure.message);
  }
}
