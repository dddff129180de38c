import path from 'node:path';
import { expect } from 'vitest';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { comparePhones, isSyncHousekeeping, phoneDigest } from '../../src/simulator/phone/phone-compare';
import { openPhone } from '../../src/simulator/phone/phone-store';
import { runTool } from '../helpers/run-tool';
import type { SimHarness } from '../helpers/sim-harness';

/** "Erase All Content and Settings", then trust this computer again, as a person would. */
export async function eraseAndPair(harness: SimHarness, device: VirtualDevice): Promise<void> {
  await device.whenServicesIdle();
  device.erase();
  expect(device.phone.isFactoryState()).toBe(true);
  const paired = await runTool('idevicepair', ['pair'], harness.env);
  expect(paired.code, paired.stdout + paired.stderr).toBe(0);
}

/** The phone as the simulator generated it (seed × 1000 + index), to compare a restored phone with. */
export async function expectPhoneEqualsGenerated(harness: SimHarness, device: VirtualDevice, seed: number, name: string): Promise<void> {
  const reference = openPhone(path.join(harness.workDir, `reference-${name}`), { seed: seed * 1000, profile: 'small' });
  await device.whenServicesIdle();
  try {
    expect(await comparePhones(reference, device.phone, { skip: isSyncHousekeeping })).toEqual([]);
  } finally {
    reference.close();
  }
}

/** The phone's content, read once no service is still changing it (a cancelled restore may be finishing a write). */
export async function digestOf(device: VirtualDevice): Promise<string> {
  await device.whenServicesIdle();
  return phoneDigest(device.phone, { skip: isSyncHousekeeping });
}
