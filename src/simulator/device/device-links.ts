import type { DeviceTunnel } from './device-tunnel';

/** The two ways a host reaches a phone through usbmuxd (protocol.md §1.3 `ConnectionType`). */
export type LinkKind = 'usb' | 'network';

/** `npm run sim -- --connection`: which links the phone has when it is "plugged in". */
export type ConnectionMode = 'usb' | 'network' | 'both';

export const CONNECTION_MODES: readonly ConnectionMode[] = ['usb', 'network', 'both'];

export interface LinkHooks {
  /** Whether the phone shows itself on the network (lockdown `EnableWifiConnections`, and a bound address). */
  wifiShown(): boolean;
  /** A link appeared or went away: usbmuxd tells its listeners (Attached / Detached). */
  changed(kind: LinkKind, present: boolean): void;
}

/**
 * Which of a phone's links are up, and the tunnels open over each. A link that goes away drops
 * only its own tunnels, so a phone on both keeps its USB backup when it leaves the Wi-Fi; losing
 * the last one is the pulled cable of protocol.md §8.3.
 */
export class DeviceLinks {
  private cable: boolean;
  private inWifiRange: boolean;
  private readonly announced: Record<LinkKind, boolean> = { usb: false, network: false };
  private beforeDrop: { readonly cable: boolean; readonly inWifiRange: boolean } | undefined;
  private readonly tunnels = new Map<DeviceTunnel, LinkKind>();

  constructor(readonly mode: ConnectionMode, private readonly hooks: LinkHooks) {
    this.cable = mode !== 'network';
    this.inWifiRange = mode !== 'usb';
  }

  /** Present to usbmuxd right now. */
  has(kind: LinkKind): boolean {
    return kind === 'usb' ? this.cable : this.inWifiRange && this.hooks.wifiShown();
  }

  any(): boolean {
    return this.has('usb') || this.has('network');
  }

  /** Back as before the last dropAll (a replug, the end of a reboot), else as the mode says. */
  restore(): void {
    this.cable = this.beforeDrop?.cable ?? this.mode !== 'network';
    this.inWifiRange = this.beforeDrop?.inWifiRange ?? this.mode !== 'usb';
    this.beforeDrop = undefined;
    this.sync();
  }

  /** Gone from every link: cable out and off the network (a Wi-Fi-only phone that reboots comes back on Wi-Fi only). */
  dropAll(): void {
    this.beforeDrop ??= { cable: this.cable, inWifiRange: this.inWifiRange };
    this.cable = false;
    this.inWifiRange = false;
    this.sync();
  }

  setCable(present: boolean): void {
    this.cable = present;
    this.sync();
  }

  setInWifiRange(present: boolean): void {
    this.inWifiRange = present;
    this.sync();
  }

  track(tunnel: DeviceTunnel, kind: LinkKind): void {
    this.tunnels.set(tunnel, kind);
    tunnel.on('close', () => this.tunnels.delete(tunnel));
  }

  destroyTunnels(kind?: LinkKind): void {
    for (const [tunnel, over] of [...this.tunnels]) {
      if (kind !== undefined && over !== kind) continue;
      this.tunnels.delete(tunnel);
      tunnel.destroy();
    }
  }

  /** Compares with what listeners were told and announces the difference; call after anything changes. */
  sync(): void {
    for (const kind of ['usb', 'network'] as const) {
      const present = this.has(kind);
      if (present === this.announced[kind]) continue;
      this.announced[kind] = present;
      if (!present) this.destroyTunnels(kind);
      this.hooks.changed(kind, present);
    }
  }
}
