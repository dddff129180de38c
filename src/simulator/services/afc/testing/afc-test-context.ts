import net from 'node:net';
import type { PlistDict } from '../../../../main/device/codec';
import type { BackupSettings, DeviceIdentity, FaultPlan, ServiceContext } from '../../../device/service-context';
import type { Phone } from '../../../phone/phone-model';
import { serveAfc } from '../afc-server';

/** A ServiceContext around a phone with adjustable faults, for service tests without a device core. */
export function testServiceContext(phone: Phone, faults: { current: FaultPlan }, logs: string[] = []): ServiceContext {
  const identity: DeviceIdentity = {
    udid: '00008110-000A1B2C3D4E5F60', deviceName: 'Test iPhone', deviceClass: 'iPhone', productType: 'iPhone14,5',
    productVersion: '17.5', buildVersion: '21F79', hardwareModel: 'D17AP', serialNumber: 'F2LTEST0001', wifiAddress: 'aa:bb:cc:dd:ee:01',
    bluetoothAddress: 'aa:bb:cc:dd:ee:02', uniqueChipId: 1234, phoneNumber: '+1 555 0100', imei: '350000000000001', iccid: '8901000000000000001',
  };
  let settings: BackupSettings = { willEncrypt: false, password: undefined, requiresEncryption: false, cloudBackupEnabled: false, lastBackupDate: undefined, findMyEnabled: false };
  return {
    identity,
    phone,
    settings: { get: () => settings, update: (patch) => { settings = { ...settings, ...patch }; } },
    notifications: { post: () => undefined, subscribe: () => () => undefined },
    faults: () => faults.current,
    lockdownSnapshot: (): PlistDict => ({}),
    unplug: () => undefined,
    log: (message) => logs.push(message),
  };
}

/** A TCP listener on 127.0.0.1 that hands every connection to serveAfc, as a started service would. */
export async function listenAfc(context: ServiceContext): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveAfc(socket, context);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
