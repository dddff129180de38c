import path from 'node:path';
import { expect, vi } from 'vitest';
import { type AppCore, createAppCore } from '../../src/main/core/app-core';
import type { DeviceView } from '../../src/shared/contract';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import type { SimHarness } from './sim-harness';

type AppCoreOptions = NonNullable<Parameters<typeof createAppCore>[0]>;

export interface PairedAppCoreOptions extends Omit<AppCoreOptions, 'muxAddress'> {
  /**
   * Subscribes to the core's events before the phone appears, so that none of the first ones
   * (the "iPhone connected" notice, devices:changed) is missed.
   */
  readonly listen?: (core: AppCore) => void;
}

export interface PairedAppCore {
  readonly core: AppCore;
  /** The harness's first virtual iPhone, the one that was paired. */
  readonly device: VirtualDevice;
  readonly udid: string;
  /** What devices:pair answered. */
  readonly paired: DeviceView;
}

/**
 * An app core over the harness's virtual iPhone, as the app-core tests want it: the core is made
 * (backups in `<workDir>/backups` and settings in `<workDir>/settings.json` unless given), the
 * harness's first phone is waited for until the core lists it as connected, and it is paired.
 * The caller closes the core (before the harness's cleanup).
 */
export async function startPairedAppCore(harness: SimHarness, options: PairedAppCoreOptions = {}): Promise<PairedAppCore> {
  const { listen, ...coreOptions } = options;
  const device = harness.sim.devices()[0];
  if (!device) throw new Error('the simulator harness has no virtual iPhone to pair');
  const { udid } = device;
  const core = await createAppCore({
    backupRoot: path.join(harness.workDir, 'backups'),
    settingsPath: path.join(harness.workDir, 'settings.json'),
    ...coreOptions,
    muxAddress: harness.sim.address,
  });
  try {
    listen?.(core);
    // vi.waitFor rather than expect.poll: it also works in a beforeAll hook.
    await vi.waitFor(async () => expect((await core.invoke('devices:list', {})).some((view) => view.udid === udid && view.connected)).toBe(true), { timeout: 30_000, interval: 50 });
    const paired = await core.invoke('devices:pair', { udid });
    return { core, device, udid, paired };
  } catch (error) {
    await core.close();
    throw error;
  }
}
