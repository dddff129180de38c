import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/main/core/app-core';
import type { DeviceView } from '../../src/shared/contract';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/**
 * One phone on USB and Wi-Fi is one row in the app, reached over USB while the cable is in and over
 * Wi-Fi when it is out; "Show this iPhone when on Wi-Fi" is read from and written to the phone.
 */
describe('a phone on USB and Wi-Fi in the app core', () => {
  let harness: SimHarness;
  let core: AppCore;
  let device: VirtualDevice;
  let paired: DeviceView;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 47, connection: 'both' });
    ({ core, device, paired } = await startPairedAppCore(harness));
  });
  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  const connected = async (): Promise<DeviceView[]> => (await core.invoke('devices:list', {})).filter((view) => view.connected);

  it('turns "Show this iPhone when on Wi-Fi" on, and still lists the phone once, over USB', async () => {
    expect([paired.trust, paired.connection, paired.wifiConnectionsEnabled]).toEqual(['trusted', 'usb', false]);
    const enabled = await core.invoke('devices:set-wifi', { udid: device.udid, enabled: true });
    expect(enabled.wifiConnectionsEnabled).toBe(true);
    expect(device.hasLink('network')).toBe(true);
    await expect.poll(async () => (await connected()).map((view) => [view.udid, view.connection])).toEqual([[device.udid, 'usb']]);
  });

  it('keeps the phone when the cable comes out, now over Wi-Fi, and goes back to USB when it is back in', async () => {
    device.setCable(false);
    await expect.poll(async () => (await connected()).map((view) => [view.connection, view.trust])).toEqual([['network', 'trusted']]);
    device.setCable(true);
    await expect.poll(async () => (await connected()).map((view) => view.connection)).toEqual(['usb']);
  });

  it('turns it off again: the phone leaves the network', async () => {
    const disabled = await core.invoke('devices:set-wifi', { udid: device.udid, enabled: false });
    expect(disabled.wifiConnectionsEnabled).toBe(false);
    expect(device.hasLink('network')).toBe(false);
    device.setCable(false);
    await expect.poll(async () => (await connected()).length).toBe(0);
    device.setCable(true);
  });
});
