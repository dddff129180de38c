import fs from 'node:fs';
import { decodePlist, encodePlist, isPlistDict, type PlistDict, type PlistValue } from '../../main/device/codec';
import type { BackupSettings, BackupSettingsStore, DeviceIdentity } from './service-context';

/** A computer the phone trusts: what Pair stored for its HostID (protocol.md §2.5, §8.2). */
export interface TrustedHost {
  readonly hostId: string;
  readonly systemBuid: string;
  readonly hostCertificatePem: string;
  readonly rootCertificatePem: string;
  readonly deviceCertificatePem: string;
  /** Base64 of the EscrowBag handed out by Pair; StartService compares against it (§2.7). */
  readonly escrowBagBase64: string;
  readonly pairedAt: string;
}

export const FACTORY_BACKUP_SETTINGS: BackupSettings = {
  willEncrypt: false,
  password: undefined,
  requiresEncryption: false,
  cloudBackupEnabled: false,
  lastBackupDate: undefined,
  findMyEnabled: false,
};

/** How the phone store was first generated, so tools can reopen it without the original flags. */
export interface DeviceOrigin {
  readonly seed: number;
  readonly profile: string;
}

interface DeviceStateFile {
  readonly version: 1;
  readonly identity: DeviceIdentity;
  readonly origin?: DeviceOrigin;
  trustedHosts: Record<string, TrustedHost>;
  backupSettings: BackupSettings;
  /** Base64 binary plist `{domain: {key: value}}` of values hosts changed with SetValue ('' = root). */
  lockdownValues: string;
}

/**
 * `device.json`: everything about one virtual iPhone that must survive a restart of the simulator
 * except its files (the phone store) and its key (device-key.pem). Written atomically on change.
 */
export class DeviceState implements BackupSettingsStore {
  private constructor(private readonly file: string, private data: DeviceStateFile) {}

  static loadOrCreate(file: string, identity: () => DeviceIdentity, origin?: DeviceOrigin): DeviceState {
    if (fs.existsSync(file)) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as DeviceStateFile;
      return new DeviceState(file, { ...parsed, backupSettings: { ...FACTORY_BACKUP_SETTINGS, ...parsed.backupSettings } });
    }
    const state = new DeviceState(file, {
      version: 1,
      identity: identity(),
      ...(origin ? { origin } : {}),
      trustedHosts: {},
      backupSettings: FACTORY_BACKUP_SETTINGS,
      lockdownValues: '',
    });
    state.save();
    return state;
  }

  get identity(): DeviceIdentity {
    return this.data.identity;
  }

  /** A device started with another iOS version keeps its UDID and trust but reports the new version. */
  setSoftwareVersion(productVersion: string, buildVersion: string): void {
    if (this.data.identity.productVersion === productVersion && this.data.identity.buildVersion === buildVersion) return;
    this.data = { ...this.data, identity: { ...this.data.identity, productVersion, buildVersion } };
    this.save();
  }

  get origin(): DeviceOrigin | undefined {
    return this.data.origin;
  }

  get(): BackupSettings {
    return this.data.backupSettings;
  }

  update(patch: Partial<BackupSettings>): void {
    this.data.backupSettings = { ...this.data.backupSettings, ...patch };
    this.save();
  }

  trustedHost(hostId: string): TrustedHost | undefined {
    return Object.hasOwn(this.data.trustedHosts, hostId) ? this.data.trustedHosts[hostId] : undefined;
  }

  trustedHosts(): readonly TrustedHost[] {
    return Object.values(this.data.trustedHosts);
  }

  trustHost(host: TrustedHost): void {
    this.data.trustedHosts = { ...this.data.trustedHosts, [host.hostId]: host };
    this.save();
  }

  /** True when the host was known. */
  forgetHost(hostId: string): boolean {
    if (!this.trustedHost(hostId)) return false;
    const { [hostId]: _removed, ...rest } = this.data.trustedHosts;
    this.data.trustedHosts = rest;
    this.save();
    return true;
  }

  storedValues(): PlistDict {
    if (!this.data.lockdownValues) return {};
    const value = decodePlist(Buffer.from(this.data.lockdownValues, 'base64'));
    return isPlistDict(value) ? value : {};
  }

  storeValue(domain: string, key: string, value: PlistValue | undefined): void {
    const all = { ...this.storedValues() } as Record<string, PlistValue>;
    const current = all[domain];
    const inDomain = { ...(isPlistDict(current) ? current : {}) } as Record<string, PlistValue>;
    if (value === undefined) delete inDomain[key];
    else inDomain[key] = value;
    all[domain] = inDomain;
    this.data.lockdownValues = encodePlist(all, 'binary').toString('base64');
    this.save();
  }

  /** "Erase All Content and Settings": trust, settings and stored values go; the identity stays. */
  resetToFactory(): void {
    this.data.trustedHosts = {};
    this.data.backupSettings = FACTORY_BACKUP_SETTINGS;
    this.data.lockdownValues = '';
    this.save();
  }

  private save(): void {
    const temporary = `${this.file}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(this.data, null, 2)}\n`);
    fs.renameSync(temporary, this.file);
  }
}
