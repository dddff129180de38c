import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { LOCKDOWN_PORT, serveLockdown, type LockdownDevice, type TrustDecision } from '../lockdown/lockdown-server';
import { lockdownSnapshot } from '../lockdown/lockdown-values';
import { awaitTrustedPeer, serverTlsOptions, type TlsIdentity } from '../lockdown/session-tls';
import type { MuxDevice } from '../mux/mux-server';
import { openPhone } from '../phone/phone-store';
import type { Phone } from '../phone/phone-model';
import type { PhoneProfile } from '../phone/profiles';
import type { ServiceDefinition } from '../services/registry';
import { createDeviceIdentity } from './device-identity';
import { loadOrCreateDeviceKey, type DeviceKey } from './device-key';
import { DeviceState } from './device-state';
import { DeviceTunnel, LinkBudget } from './device-tunnel';
import { FAULTS_FILE_NAME, FaultPlanSource } from './fault-plan';
import { LocalNotificationHub } from './notification-hub';
import { type BackupSettingsStore, type DeviceIdentity, type FaultPlan, type ServiceContext, TRAFFIC_FAULT_FILE_MAX_AGE_MS } from './service-context';

export interface VirtualDeviceOptions {
  /** 0-based position among the simulator's devices; part of the deterministic identity. */
  readonly index: number;
  /** usbmuxd's DeviceID for it. */
  readonly deviceId: number;
  /** `<stateDir>/devices` — the device's own folder is created below it, named after its UDID. */
  readonly devicesDir: string;
  readonly seed: number;
  readonly profile: PhoneProfile;
  readonly productVersion?: string;
  readonly trust: FaultPlan['trust'];
  /** The passcode sheet's default answer, under faults.json and setFaults (see FaultPlan). */
  readonly passcodePrompt?: FaultPlan['passcodePrompt'];
  readonly log: (message: string) => void;
  /** Told when the cable goes in or out, so usbmuxd can tell its listeners (§1.3). */
  readonly onPlugChange: (device: VirtualDevice, attached: boolean) => void;
}

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
export class VirtualDevice implements MuxDevice, LockdownDevice {
  readonly identity: DeviceIdentity;
  readonly phone: Phone;
  readonly settings: BackupSettingsStore;
  readonly context: ServiceContext;
  readonly state: DeviceState;
  readonly key: DeviceKey;
  readonly directory: string;
  readonly devicePublicKeyPem: string;
  readonly notifications = new LocalNotificationHub();

  private attached = true;
  private prompt: 'none' | 'pending' | 'accepted' | 'denied' = 'none';
  private readonly promptListeners = new Set<(device: VirtualDevice) => void>();
  /** Resolves the passcode sheet on the screen (`passcodePrompt=ask`); undefined when none shows. */
  private passcodeAnswer: ((typed: boolean) => void) | undefined;
  private readonly passcodeListeners = new Set<(device: VirtualDevice) => void>();
  private readonly faultSource: FaultPlanSource;
  private readonly budget: LinkBudget;
  private readonly tunnels = new Set<DeviceTunnel>();
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

  isAttached(): boolean {
    return this.attached;
  }

  plug(): void {
    if (this.replugTimer) clearTimeout(this.replugTimer);
    this.replugTimer = undefined;
    if (this.attached) return;
    this.attached = true;
    this.log('plugged in');
    this.options.onPlugChange(this, true);
  }

  /** Pulls the cable: every connection drops, listeners see Detached; `replugAfterMs` brings it back. */
  unplug(reason = 'unplugged'): void {
    if (this.attached) {
      this.attached = false;
      this.log(`unplugged: ${reason}`);
      this.servicePorts.clear();
      for (const tunnel of [...this.tunnels]) tunnel.destroy();
      this.tunnels.clear();
      if (this.prompt === 'pending') this.prompt = 'none';
      this.options.onPlugChange(this, false);
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
    this.log('erased to factory settings');
  }

  claimPort(port: number): ((socket: net.Socket) => void) | undefined {
    if (!this.attached) return undefined;
    if (port === LOCKDOWN_PORT) return (socket) => serveLockdown(this.track(socket), this);
    const open = this.servicePorts.get(port);
    if (!open) return undefined;
    // Like the real device, a started service's port takes exactly one connection (§8.1).
    this.servicePorts.delete(port);
    return (socket) => this.startService(open, this.track(socket));
  }

  openServicePort(name: string, service: ServiceDefinition, tlsIdentity: TlsIdentity | undefined): number {
    const port = this.nextServicePort;
    this.nextServicePort = port >= 65000 ? FIRST_SERVICE_PORT : port + 1;
    this.servicePorts.set(port, { name, service, tls: tlsIdentity });
    this.log(`started ${name} on port ${port}`);
    return port;
  }

  log(message: string): void {
    this.options.log(`[${this.identity.udid}] ${message}`);
  }

  /** Drops every connection and closes the phone store (simulator shutdown). */
  close(): void {
    if (this.replugTimer) clearTimeout(this.replugTimer);
    for (const tunnel of [...this.tunnels]) tunnel.destroy();
    this.tunnels.clear();
    this.phone.close();
  }

  private track(socket: net.Socket): DeviceTunnel {
    const tunnel = new DeviceTunnel(socket, this.budget, (message) => this.log(message));
    this.tunnels.add(tunnel);
    tunnel.on('close', () => this.tunnels.delete(tunnel));
    return tunnel;
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
