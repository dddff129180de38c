import fs from 'node:fs';
import path from 'node:path';
import { VirtualDevice } from './device/virtual-device';
import { MuxServer } from './mux/mux-server';
import { PairRecordStore } from './mux/pair-record-store';
import { parseMuxAddress } from './mux/socket-address';
import { resolveStateDirOrigin } from './state-dir-origin';
import type { PhoneProfile } from './phone/profiles';
import type { PasscodePromptAnswer } from './device/service-context';
import type { ConnectionMode } from './device/device-links';

export interface SimulatorOptions {
  /** `UNIX:/path` or `host:port` (port 0 picks a free one), the grammar of USBMUXD_SOCKET_ADDRESS (§1.1). */
  readonly listen: string;
  /** `<stateDir>/devices/<udid>/…` and `<stateDir>/usbmuxd/…` live here and survive restarts. */
  readonly stateDir: string;
  /** Default: what the state dir was first started with (`simulator.json`), else small / 1. A conflicting one is refused. */
  readonly profile?: PhoneProfile;
  readonly seed?: number;
  readonly devices?: number;
  readonly trust?: 'accept' | 'deny' | 'ask';
  /** How the person answers an iOS 16.1+ backup's passcode sheet unless a fault says otherwise; default: no passcode set. */
  readonly passcodePrompt?: PasscodePromptAnswer;
  readonly productVersion?: string;
  /** USB (default), network (Wi-Fi only) or both: the phone shows on the network once EnableWifiConnections is on. */
  readonly connection?: ConnectionMode;
  /** Turn "Show this iPhone when on Wi-Fi" on at start, as if a computer had set it over USB earlier. */
  readonly enableWifiConnections?: boolean;
  /** Where diagnostic lines go; silent by default. */
  readonly log?: (message: string) => void;
}

export interface Simulator {
  /** The value for USBMUXD_SOCKET_ADDRESS. */
  readonly address: string;
  devices(): readonly VirtualDevice[];
  /** The device with this UDID; throws when there is none. */
  device(udid: string): VirtualDevice;
  stop(): Promise<void>;
}

export class UnknownDeviceError extends Error {
  constructor(udid: string) {
    super(`The simulator has no device with UDID ${udid}.`);
    this.name = 'UnknownDeviceError';
  }
}

/** Starts the virtual iPhones behind a fake usbmuxd (protocol.md §8.1). */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const log = options.log ?? (() => {});
  const count = options.devices ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`A simulator needs at least one device, not ${count}.`);
  const origin = resolveStateDirOrigin(options.stateDir, { ...(options.seed === undefined ? {} : { seed: options.seed }), ...(options.profile === undefined ? {} : { profile: options.profile }) });
  const devicesDir = path.join(options.stateDir, 'devices');
  fs.mkdirSync(devicesDir, { recursive: true });
  const pairRecords = new PairRecordStore(path.join(options.stateDir, 'usbmuxd'));
  pairRecords.systemBuid();

  let mux: MuxServer | undefined;
  const devices: VirtualDevice[] = [];
  try {
    for (let index = 0; index < count; index++) {
      devices.push(
        new VirtualDevice({
          index,
          deviceId: index + 1,
          connection: options.connection ?? 'usb',
          devicesDir,
          seed: origin.seed,
          profile: origin.profile,
          productVersion: options.productVersion,
          trust: options.trust ?? 'accept',
          ...(options.passcodePrompt ? { passcodePrompt: options.passcodePrompt } : {}),
          log,
          onLinkChange: (connection, present) => {
            if (present) mux?.announceAttached(connection);
            else mux?.announceDetached(connection.deviceId);
          },
        }),
      );
    }
    for (const device of devices) {
      if (options.enableWifiConnections) device.state.storeValue('com.apple.mobile.wireless_lockdown', 'EnableWifiConnections', true);
      await device.joinNetwork();
    }
    mux = await MuxServer.start(parseMuxAddress(options.listen, true), { connections: () => devices.flatMap((device) => device.muxConnections()) }, pairRecords, log);
  } catch (error) {
    for (const device of devices) device.close();
    throw error;
  }
  const server = mux;
  let stopped = false;
  return {
    address: server.address,
    devices: () => devices,
    device(udid: string): VirtualDevice {
      const found = devices.find((device) => device.udid === udid);
      if (!found) throw new UnknownDeviceError(udid);
      return found;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      for (const device of devices) device.close();
      await server.stop();
    },
  };
}
