import { EventEmitter } from 'node:events';
import { MuxError } from '../errors';
import { type PairOptions, pairDevice } from '../lockdown';
import { DEFAULT_TIMEOUT_MS, type MuxDevice, type MuxListener, sameUdid, UsbmuxClient } from '../usbmux';
import { type DeviceSummary, inspectDevice, trustFromError, type TrustState } from './device-inspection';

/** One phone as the app sees it: possibly reachable over USB and Wi-Fi at once. */
export interface ManagedDevice {
  readonly udid: string;
  /** usbmuxd connections to this phone, USB first. */
  readonly connections: readonly MuxDevice[];
  readonly trust: TrustState;
  readonly summary: DeviceSummary;
  /** Why the phone is not trusted or could not be read, for a person. */
  readonly problem?: string;
}

type DaemonState = 'connected' | 'disconnected';

export interface DeviceManagerEvents {
  attached: [device: ManagedDevice];
  detached: [udid: string];
  'trust-changed': [device: ManagedDevice];
  updated: [device: ManagedDevice];
  daemon: [state: DaemonState, error: Error | undefined];
}

interface DeviceManagerOptions {
  readonly mux?: UsbmuxClient;
  readonly muxAddress?: string;
  /** Per-read timeout for every request (default 30 s). */
  readonly timeoutMs?: number;
  /** Reconnect backoff after usbmuxd goes away: first delay, doubling up to the maximum. */
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
}

interface Entry {
  udid: string;
  connections: MuxDevice[];
  trust: TrustState;
  summary: DeviceSummary;
  problem: string | undefined;
  /** Bumped on every attach and refresh so a slow inspection of an older plug-in is ignored. */
  generation: number;
  /** The newest inspection; refresh() waits for whichever is newest when it finishes. */
  latest: Promise<void>;
}

/**
 * The live set of phones (docs/architecture.md "core"): follows usbmuxd's Listen stream (§1.3),
 * inspects each phone's trust and summary, and keeps going when usbmuxd restarts (reconnecting
 * with backoff) or a cable flaps.
 */
export class DeviceManager extends EventEmitter<DeviceManagerEvents> {
  readonly mux: UsbmuxClient;
  private readonly timeoutMs: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly entries = new Map<string, Entry>();
  private listener: MuxListener | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private daemonState: DaemonState = 'disconnected';
  private readonly inspections = new Set<Promise<void>>();

  constructor(options: DeviceManagerOptions = {}) {
    super();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.mux = options.mux ?? new UsbmuxClient({ address: options.muxAddress, timeoutMs: this.timeoutMs });
    this.initialDelayMs = options.reconnectInitialDelayMs ?? 250;
    this.maxDelayMs = options.reconnectMaxDelayMs ?? 5_000;
  }

  /** Starts following usbmuxd. Never throws: an unreachable daemon is retried with backoff. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  /** Stops listening and forgets every phone (no detached events). */
  stop(): void {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.listener?.close();
    this.listener = undefined;
    this.entries.clear();
  }

  /** Waits for inspections in flight (useful before exiting a command line tool or a test). */
  async settled(): Promise<void> {
    while (this.inspections.size > 0) await Promise.allSettled([...this.inspections]);
  }

  get daemon(): DaemonState {
    return this.daemonState;
  }

  list(): ManagedDevice[] {
    return [...this.entries.values()].map(snapshot);
  }

  get(udid: string): ManagedDevice | undefined {
    const entry = this.find(udid);
    return entry ? snapshot(entry) : undefined;
  }

  /** Looks at the phone again (after pairing elsewhere, unlocking, a backup…). */
  async refresh(udid: string): Promise<ManagedDevice | undefined> {
    const entry = this.find(udid);
    if (!entry) return undefined;
    this.startInspection(entry);
    // A Paired event or another refresh may start a newer inspection meanwhile; its answer wins.
    let awaited: Promise<void>;
    do {
      awaited = entry.latest;
      await awaited;
    } while (entry.latest !== awaited);
    const current = this.find(udid);
    return current ? snapshot(current) : undefined;
  }

  /**
   * Pairs with the phone, showing `pairing-pending` while the trust dialog is up, then `trusted`,
   * `denied` or `locked`. Rethrows the LockdownError so the caller can tell the person what to do.
   */
  async pair(udid: string, options: Omit<PairOptions, 'mux'> = {}): Promise<ManagedDevice> {
    const entry = this.find(udid);
    const device = entry?.connections[0];
    if (!entry || !device) throw new MuxError('DeviceNotFound', `The iPhone ${udid} is not connected. Plug it in and unlock it.`);
    try {
      await pairDevice(device, {
        ...options,
        mux: this.mux,
        onDialogShown: () => {
          this.setTrust(entry, 'pairing-pending', 'Tap Trust on your iPhone to let this computer connect.');
          options.onDialogShown?.();
        },
      });
    } catch (error) {
      if (this.entries.get(entry.udid) === entry) this.setTrust(entry, trustFromError(error), (error as Error).message);
      throw error;
    }
    if (this.entries.get(entry.udid) === entry) this.setTrust(entry, 'trusted', undefined);
    const refreshed = await this.refresh(entry.udid);
    return refreshed ?? snapshot(entry);
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    try {
      const listener = await this.mux.listen();
      if (!this.running) {
        listener.close();
        return;
      }
      this.listener = listener;
      this.failures = 0;
      listener.on('attached', (device) => this.onAttached(device));
      listener.on('detached', (deviceId) => this.onDetached(deviceId));
      listener.on('paired', (deviceId) => {
        const entry = [...this.entries.values()].find((candidate) => candidate.connections.some((c) => c.deviceId === deviceId));
        if (entry) void this.refresh(entry.udid);
      });
      listener.on('close', (error) => this.onListenerClosed(listener, error));
      this.setDaemonState('connected', undefined);
    } catch (error) {
      this.setDaemonState('disconnected', error as Error);
      this.scheduleReconnect();
    }
  }

  private onListenerClosed(listener: MuxListener, error: Error | undefined): void {
    if (this.listener !== listener) return;
    this.listener = undefined;
    if (!this.running) return;
    // Without usbmuxd nothing is reachable; the phones come back as Attached after reconnecting.
    for (const udid of [...this.entries.keys()]) {
      this.entries.delete(udid);
      this.emit('detached', udid);
    }
    this.setDaemonState('disconnected', error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    const delay = Math.min(this.initialDelayMs * 2 ** this.failures, this.maxDelayMs);
    this.failures++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private onAttached(device: MuxDevice): void {
    const existing = this.find(device.udid);
    if (existing) {
      existing.connections = [...existing.connections.filter((c) => c.deviceId !== device.deviceId), device].sort(usbFirst);
      this.emit('updated', snapshot(existing));
      return;
    }
    const entry: Entry = { udid: device.udid, connections: [device], trust: 'unknown', summary: {}, problem: undefined, generation: 0, latest: Promise.resolve() };
    this.entries.set(device.udid, entry);
    this.emit('attached', snapshot(entry));
    this.startInspection(entry);
  }

  private onDetached(deviceId: number): void {
    for (const entry of this.entries.values()) {
      if (!entry.connections.some((c) => c.deviceId === deviceId)) continue;
      entry.connections = entry.connections.filter((c) => c.deviceId !== deviceId);
      entry.generation++;
      if (entry.connections.length === 0) {
        this.entries.delete(entry.udid);
        this.emit('detached', entry.udid);
      } else {
        this.emit('updated', snapshot(entry));
      }
      return;
    }
  }

  private startInspection(entry: Entry): void {
    entry.generation++;
    entry.latest = this.track(this.inspect(entry, entry.generation));
  }

  private async inspect(entry: Entry, generation: number): Promise<void> {
    const device = entry.connections[0];
    if (!device) return;
    const result = await inspectDevice(this.mux, device, this.timeoutMs);
    // The phone was unplugged, re-plugged or refreshed meanwhile: this answer is stale.
    if (this.entries.get(entry.udid) !== entry || entry.generation !== generation) return;
    entry.summary = { ...entry.summary, ...result.summary };
    this.setTrust(entry, result.trust, result.problem);
    this.emit('updated', snapshot(entry));
  }

  private setTrust(entry: Entry, trust: TrustState, problem: string | undefined): void {
    const changed = entry.trust !== trust;
    entry.trust = trust;
    entry.problem = trust === 'trusted' ? undefined : problem;
    if (changed) this.emit('trust-changed', snapshot(entry));
  }

  private setDaemonState(state: DaemonState, error: Error | undefined): void {
    if (this.daemonState === state) return;
    this.daemonState = state;
    this.emit('daemon', state, error);
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch(() => undefined);
    this.inspections.add(tracked);
    void tracked.finally(() => this.inspections.delete(tracked));
    return tracked;
  }

  private find(udid: string): Entry | undefined {
    return this.entries.get(udid) ?? [...this.entries.values()].find((entry) => sameUdid(entry.udid, udid));
  }
}

function usbFirst(a: MuxDevice, b: MuxDevice): number {
  return (a.connectionType === 'USB' ? 0 : 1) - (b.connectionType === 'USB' ? 0 : 1);
}

function snapshot(entry: Entry): ManagedDevice {
  return {
    udid: entry.udid,
    connections: [...entry.connections],
    trust: entry.trust,
    summary: { ...entry.summary },
    ...(entry.problem === undefined ? {} : { problem: entry.problem }),
  };
}
