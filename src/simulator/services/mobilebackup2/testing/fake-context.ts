import type { BackupSettings, DeviceIdentity, FaultPlan, ServiceContext } from '../../../device/service-context';
import type { Phone } from '../../../phone/phone-model';

export interface FakeContext extends ServiceContext {
  faultPlan: FaultPlan;
  readonly posted: string[];
  readonly unplugs: string[];
  readonly reboots: string[];
  settingsValue: BackupSettings;
}

/** A ServiceContext with plain fields a unit test can read and change. */
export function fakeContext(phone: Phone, productVersion = '17.5.1'): FakeContext {
  const identity: DeviceIdentity = {
    udid: '00008110-000A1B2C3D4E5F60',
    deviceName: 'Test iPhone',
    deviceClass: 'iPhone',
    productType: 'iPhone14,5',
    productVersion,
    buildVersion: '21F90',
    hardwareModel: 'D17AP',
    serialNumber: 'F2LTEST0001',
    wifiAddress: 'aa:bb:cc:dd:ee:ff',
    bluetoothAddress: 'aa:bb:cc:dd:ee:fe',
    uniqueChipId: 1234,
    phoneNumber: '+1 555 0100',
    imei: '350000000000001',
    iccid: '8901000000000000001',
  };
  const context: FakeContext = {
    identity,
    phone,
    faultPlan: { trust: 'accept', locked: false },
    posted: [],
    unplugs: [],
    reboots: [],
    settingsValue: {
      willEncrypt: false,
      password: undefined,
      requiresEncryption: false,
      cloudBackupEnabled: false,
      lastBackupDate: undefined,
      findMyEnabled: false,
    },
    settings: {
      get: () => context.settingsValue,
      update: (patch) => {
        context.settingsValue = { ...context.settingsValue, ...patch };
      },
    },
    notifications: {
      post: (name) => context.posted.push(name),
      subscribe: () => () => undefined,
    },
    faults: () => context.faultPlan,
    lockdownSnapshot: () => ({
      DeviceName: identity.deviceName,
      ProductType: identity.productType,
      ProductVersion: identity.productVersion,
      BuildVersion: identity.buildVersion,
      SerialNumber: identity.serialNumber,
      UniqueDeviceID: identity.udid,
    }),
    unplug: (reason) => context.unplugs.push(reason),
    reboot: (reason) => context.reboots.push(reason),
    log: () => undefined,
  };
  return context;
}
