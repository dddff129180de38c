import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { LOCKDOWN_PORT, serveLockdown, type LockdownDevice, type TrustDecision } from '../lockdown/lockdown-server';
import { domainValues, lockdownSnapshot } from '../lockdown/lockdown-values';
import { awaitTrustedPeer, serverTlsOptions, type TlsIdentity } from '../lockdown/session-tls';
import type { MuxConnection } from '../mux/mux-server';
import { openPhone } from '../phone/phone-store';
import type { Phone } from '../phone/phone-model';
import type { PhoneProfile } from '../phone/profiles';
import type { ServiceDefinition } from '../services/registry';
import { createDeviceIdentity } from './device-identity';
import { loadOrCreateDeviceKey, type DeviceKey } from './device-key';
import { type ConnectionMode, DeviceLinks, type LinkKind } from './device-links';
import { DeviceState } from './device-state';
import { DeviceTunnel, LinkBudget } from './device-tunnel';
import { FAULTS_FILE_NAME, FaultPlanSource } from './fault-plan';
import { LocalNotificationHub } from './notification-hub';
import { type BackupSettingsStore, type DeviceIdentity, type FaultPlan, type ServiceContext, TRAFFIC_FAULT_FILE_MAX_AGE_MS } from './service-context';
import { WifiLink } from './wifi-link';

export interface VirtualDeviceOptions {
  /** 0-based position among the simulator's devices; part of the deterministic identity. */
  readonly index: number;
  /** usbmuxd's DeviceID for its USB connection; the network one is offset by NETWORK_DEVICE_ID_OFFSET. */
  readonly deviceId: number;
  /** Which links it has when plugged in (default USB only). */
  readonly connection?: ConnectionMode;
  /** `<stateDir>/devices` — the device's own folder is created below it, named after its UDID. */
  readonly devicesDir: string;
  readonly seed: number;
  readonly profile: PhoneProfile;
  readonly productVersion?: string;
  readonly trust: FaultPlan['trust'];
  /** The passcode sheet's default answer, under faults.json and setFaults (see FaultPlan). */
  readonly passcodePrompt?: FaultPlan['passcodePrompt'];
  readonly log: (message: string) => void;
  /** Told when a link comes or goes (cable, Wi-Fi), so usbmuxd can tell its listeners (§1.3). */
  readonly onLinkChange: (connection: MuxConnection, present: boolean) => void;
}

/** A phone's network DeviceID: usbmuxd numbers every connection, and a phone on both has two. */
export const NETWORK_DEVICE_ID_OFFSET = 1000;
const WIRELESS_LOCKDOWN_DOMAIN = 'com.apple.mobile.wireless_lockdown';

/** Posted when the person taps Trust, for hosts watching the insecure notification proxy (§2.5.2). */
const REQUEST_PAIR_NOTIFICATION = 'com.apple.mobile.lockdown.request_pair';
/** Dynamic service ports start where iOS's do. */
const FIRST_SERVICE_PORT = 49152;

interface OpenPort {
  readonly name: string;
  readonly service: ServiceDefinition;
  readonly tls: TlsIdentity | undefined;
}

/**
 * One virtual iPhone: identity, key, phone store, trust, faults and its connections. usbmuxd
 * tunnels end here (`claimPort`); lockdownd and the started services run on top.
 */
export class VirtualDevice implements LockdownDevice {
  readonly identity: DeviceIdentity;
  readonly phone: Phone;
  readonly settings: BackupSettingsStore;
  readonly context: ServiceContext;
  readonly state: DeviceState;
  readonly key: DeviceKey;
  readonly directory: string;
  readonly devicePublicKeyPem: string;
  readonly notifications = new LocalNotificationHub();

  private readonly links: DeviceLinks;
  private wifi: WifiLink | undefined;
  private prompt: 'none' | 'pending' | 'accepted' | 'denied' = 'none';
  private readonly promptListeners = new Set<(device: VirtualDevice) => void>();
  /** Resolves the passcode sheet on the screen (`passcodePrompt=ask`); undefined when none shows. */
  private passcodeAnswer: ((typed: boolean) => void) | undefined;
  private readonly passcodeListeners = new Set<(device: VirtualDevice) => void>();
  private readonly faultSource: FaultPlanSource;
  private readonly budget: LinkBudget;
  /** Service handlers still at work; a cancelled restore goes on writing what it had received. */
  private readonly runningServices = new Set<Promise<void>>();
  private readonly servicePorts = new Map<number, OpenPort>();
  private nextServicePort = FIRST_SERVICE_PORT;
  private replugTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: VirtualDeviceOptions) {
    const fresh = createDeviceIdentity(options.seed, options.index, options.productVersion);
    this.directory = path.join(options.devicesDir, fresh.udid);
    fs.mkdirSync(this.directory, { recursive: true });
    const phoneSeed = options.seed * 1000 + options.index;
    this.state = DeviceState.loadOrCreate(path.join(this.directory, 'device.json'), () => fresh, { seed: phoneSeed, profile: options.profile });
    if (options.productVersion !== undefined) this.state.setSoftwareVersion(fresh.productVersion, fresh.buildVersion);
    this.identity = this.state.identity;
    this.settings = this.state;
    this.key = loadOrCreateDeviceKey(path.join(this.directory, 'device-key.pem'));
    this.devicePublicKeyPem = this.key.publicKeyPkcs1Pem;
    this.phone = openPhone(path.join(this.directory, 'phone'), { seed: phoneSeed, profile: options.profile });
    this.faultSource = new FaultPlanSource({ trust: options.trust, locked: false, ...(options.passcodePrompt ? { passcodePrompt: options.passcodePrompt } : {}) }, path.join(this.directory, FAULTS_FILE_NAME), options.log);
    this.budget = new LinkBudget(() => this.faults(TRAFFIC_FAULT_FILE_MAX_AGE_MS).linkBytesPerSecond);
    this.links = new DeviceLinks(options.connection ?? 'usb', {
      wifiShown: () => this.wifi !== undefined && this.wifiConnectionsEnabled(),
      changed: (kind, present) => this.linkChanged(kind, present),
    });
    this.links.sync();
    this.context = {
      identity: this.identity,
      phone: this.phone,
      settings: this.settings,
      notifications: this.notifications,
      faults: (fileMaxAgeMs) => this.faults(fileMaxAgeMs),
      lockdownSnapshot: () => lockdownSnapshot(this),
      unplug: (reason) => this.unplug(reason),
      reboot: (reason, downtimeMs) => this.reboot(reason, downtimeMs),
      passcodeScreen: {
        ask: () =>
          new Promise<boolean>((resolve) => {
            this.passcodeAnswer = resolve;
            for (const listener of [...this.passcodeListeners]) listener(this);
          }),
        dismiss: () => {
          this.passcodeAnswer = undefined;
        },
      },
      log: (message) => this.log(message),
    };
  }

  get deviceId(): number {
    return this.options.deviceId;
  }

  get udid(): string {
    return this.identity.udid;
  }

  faults(fileMaxAgeMs = 0): FaultPlan {
    return this.faultSource.current(fileMaxAgeMs);
  }

  setFaults(patch: Partial<FaultPlan>): void {
    this.faultSource.set(patch);
  }

  /** Reachable over any link (USB, or Wi-Fi once shown there). */
  isAttached(): boolean {
    return this.links.any();
  }

  /** Reachable over this link now. */
  hasLink(kind: LinkKind): boolean {
    return this.links.has(kind);
  }

  /** The usbmuxd entries for the links that are up: USB first, as a host should prefer it. */
  muxConnections(): MuxConnection[] {
    return (['usb', 'network'] as const).filter((kind) => this.links.has(kind)).map((kind) => this.muxConnection(kind));
  }

  /** The phone's Wi-Fi address comes up (`--connection network|both`); it shows there once EnableWifiConnections is on. */
  async joinNetwork(): Promise<void> {
    if (this.wifi || this.links.mode === 'usb') return;
    this.wifi = await WifiLink.start(LOCKDOWN_PORT, (port, socket) => {
      const accept = this.claim(port, 'network');
      if (accept) accept(socket);
      else socket.destroy();
    });
    this.log(`on Wi-Fi at ${this.wifi.host}`);
    this.links.sync();
  }

  /** "Show this iPhone when on Wi-Fi" (lockdown `com.apple.mobile.wireless_lockdown` `EnableWifiConnections`). */
  wifiConnectionsEnabled(): boolean {
    return domainValues(WIRELESS_LOCKDOWN_DOMAIN, this)?.['EnableWifiConnections'] === true;
  }

  /** A host changed a lockdown value: turning Wi-Fi connections on or off shows or hides the phone there. */
  valuesChanged(): void {
    this.links.sync();
  }

  /** The USB cable alone goes in or out; a phone also on Wi-Fi stays reachable there. */
  setCable(present: boolean): void {
    this.links.setCable(present);
  }

  /** The phone walks into or out of the Wi-Fi; a phone also on USB stays reachable there. */
  setInWifiRange(present: boolean): void {
    this.links.setInWifiRange(present);
  }

  plug(): void {
    if (this.replugTimer) clearTimeout(this.replugTimer);
    this.replugTimer = undefined;
    if (this.links.any()) return;
    this.log('plugged in');
    this.links.restore();
  }

  /**
   * The phone vanishes: cable pulled and off the Wi-Fi, every connection drops and listeners see
   * Detached (a Wi-Fi phone that walks away mid-backup is the same fault); `replugAfterMs` brings it back.
   */
  unplug(reason = 'unplugged'): void {
    if (this.links.any()) {
      this.log(`unplugged: ${reason}`);
      this.links.dropAll();
    }
    const replugAfter = this.faults().replugAfterMs;
    if (replugAfter !== undefined && !this.replugTimer) {
      this.replugTimer = setTimeout(() => this.plug(), replugAfter);
    }
  }

  /** Drops off like `unplug`, then comes back after `downtimeMs` whatever the fault plan says. */
  reboot(reason: string, downtimeMs: number): void {
    this.unplug(reason);
    if (this.replugTimer) clearTimeout(this.replugTimer);
    this.replugTimer = setTimeout(() => this.plug(), downtimeMs);
  }

  isTrustPromptPending(): boolean {
    return this.prompt === 'pending';
  }

  /** The person taps Trust or Don't Trust; the host's next Pair sees the answer (§2.5.2). */
  answerTrustPrompt(accept: boolean): void {
    this.prompt = accept ? 'accepted' : 'denied';
    if (accept) this.notifications.post(REQUEST_PAIR_NOTIFICATION);
  }

  /** Calls `listener` each time the trust prompt appears on the screen. */
  onTrustPrompt(listener: (device: VirtualDevice) => void): () => void {
    this.promptListeners.add(listener);
    return () => {
      this.promptListeners.delete(listener);
    };
  }

  isPasscodePromptPending(): boolean {
    return this.passcodeAnswer !== undefined;
  }

  /** The person types the passcode (true) or taps Cancel (false) on the backup's passcode sheet (§3.10). */
  answerPasscodePrompt(typed: boolean): void {
    const answer = this.passcodeAnswer;
    this.passcodeAnswer = undefined;
    answer?.(typed);
  }

  /** Calls `listener` each time the passcode sheet appears and waits for someone (`passcodePrompt=ask`). */
  onPasscodePrompt(listener: (device: VirtualDevice) => void): () => void {
    this.passcodeListeners.add(listener);
    return () => {
      this.passcodeListeners.delete(listener);
    };
  }

  trustDecision(): TrustDecision {
    const trust = this.faults().trust;
    if (trust !== 'ask') return trust;
    if (this.prompt === 'accepted' || this.prompt === 'denied') {
      const answer = this.prompt === 'accepted' ? 'accept' : 'deny';
      this.prompt = 'none';
      return answer;
    }
    if (this.prompt !== 'pending') {
      this.prompt = 'pending';
      for (const listener of [...this.promptListeners]) listener(this);
    }
    return 'pending';
  }

  /** "Erase All Content and Settings": factory files, default backup settings, no trusted computers. */
  erase(): void {
    this.phone.eraseToFactory();
    this.state.resetToFactory();
    this.prompt = 'none';
    this.links.sync();
    this.log('erased to factory settings');
  }

  /** A connection to a device port over USB (usbmuxd Connect); `claim` takes the link. */
  claimPort(port: number): ((socket: net.Socket) => void) | undefined {
    return this.claim(port, 'usb');
  }

  private claim(port: number, link: LinkKind): ((socket: net.Socket) => void) | undefined {
    if (!this.links.has(link)) return undefined;
    if (port === LOCKDOWN_PORT) return (socket) => serveLockdown(this.track(socket, link), this, link === 'network');
    const open = this.servicePorts.get(port);
    if (!open) return undefined;
    // Like the real device, a started service's port takes exactly one connection (§8.1).
    this.servicePorts.delete(port);
    this.wifi?.closeServicePort(port);
    return (socket) => this.startService(open, this.track(socket, link));
  }

  openServicePort(name: string, service: ServiceDefinition, tlsIdentity: TlsIdentity | undefined): number {
    const port = this.nextServicePort;
    this.nextServicePort = port >= 65000 ? FIRST_SERVICE_PORT : port + 1;
    this.servicePorts.set(port, { name, service, tls: tlsIdentity });
    // libimobiledevice connects to a network phone's service port directly (wifi-link.ts).
    if (this.links.has('network')) this.wifi?.openServicePort(port);
    this.log(`started ${name} on port ${port}`);
    return port;
  }

  log(message: string): void {
    this.options.log(`[${this.identity.udid}] ${message}`);
  }

  /** Drops every connection and closes the phone store (simulator shutdown). */
  close(): void {
    if (this.replugTimer) clearTimeout(this.replugTimer);
    this.links.destroyTunnels();
    this.wifi?.close();
    this.phone.close();
  }

  private track(socket: net.Socket, link: LinkKind): DeviceTunnel {
    const tunnel = new DeviceTunnel(socket, this.budget, (message) => this.log(message));
    this.links.track(tunnel, link);
    return tunnel;
  }

  private muxConnection(kind: LinkKind): MuxConnection {
    const base = { udid: this.udid };
    if (kind === 'usb') return { ...base, connectionType: 'USB', deviceId: this.deviceId, claimPort: (port) => this.claim(port, 'usb') };
    const wifi = this.wifi;
    return {
      ...base,
      connectionType: 'Network',
      deviceId: this.deviceId + NETWORK_DEVICE_ID_OFFSET,
      networkAddress: wifi ? wifi.networkAddress() : Buffer.alloc(16),
      // Bonjour's `<Wi-Fi MAC>@<link-local address>._apple-mobdev2._tcp.local.` [inferred shape, protocol-notes.md "Wi-Fi"].
      serviceName: `${this.identity.wifiAddress}@fe80::${this.identity.wifiAddress.split(':').slice(2).join('')}._apple-mobdev2._tcp.local.`,
      claimPort: (port) => this.claim(port, 'network'),
    };
  }

  private linkChanged(kind: LinkKind, present: boolean): void {
    this.log(`${kind === 'usb' ? 'USB' : 'Wi-Fi'} connection ${present ? 'up' : 'down'}`);
    if (!present && kind === 'network') this.wifiServicePortsClosed();
    if (!this.links.any()) {
      this.servicePorts.clear();
      if (this.prompt === 'pending') this.prompt = 'none';
    }
    const connection = this.muxConnection(kind);
    this.options.onLinkChange(connection, present);
  }

  private wifiServicePortsClosed(): void {
    for (const port of this.servicePorts.keys()) this.wifi?.closeServicePort(port);
  }

  /**
   * Settles once no service is still working, for example after the host cancelled a restore while
   * the phone had files it had already received but not yet written. Tests read the phone after it.
   */
  async whenServicesIdle(): Promise<void> {
    while (this.runningServices.size > 0) await Promise.allSettled([...this.runningServices]);
  }

  private runHandler(open: OpenPort, stream: Duplex, tunnel: DeviceTunnel): void {
    try {
      const running = open.service.handler(stream, this.context);
      if (running instanceof Promise) {
        const tracked = running.then(
          () => undefined,
          (error: unknown) => this.log(`${open.name} ended with an error: ${(error as Error).message}`),
        );
        this.runningServices.add(tracked);
        void tracked.finally(() => this.runningServices.delete(tracked));
      }
    } catch (error) {
      this.log(`${open.name} failed to start: ${(error as Error).message}`);
      tunnel.destroy();
    }
  }

  private startService(open: OpenPort, tunnel: DeviceTunnel): void {
    if (!open.tls) {
      this.runHandler(open, tunnel, tunnel);
      return;
    }
    // EnableServiceSSL: the host does the same TLS handshake as for the session (§2.7).
    const secure = new tls.TLSSocket(tunnel as unknown as net.Socket, { isServer: true, ...serverTlsOptions(open.tls) });
    secure.on('error', () => tunnel.destroy());
    awaitTrustedPeer(secure, open.tls).then(
      () => this.runHandler(open, secure, tunnel),
      (error: Error) => {
        this.log(`${open.name}: TLS refused: ${error.message}`);
        tunnel.destroy();
      },
    );
  }
}
