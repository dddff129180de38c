import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LockdownError } from '../../src/main/device/errors';
import { pairDevice } from '../../src/main/device/lockdown';
import { UsbmuxClient } from '../../src/main/device/usbmux';
import { DeviceManager, type DeviceManagerEvents, type ManagedDevice } from '../../src/main/device/manager';
import { startSimulator } from '../../src/simulator/simulator';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function managerFor(address: string): DeviceManager {
  const manager = new DeviceManager({ muxAddress: address, timeoutMs: 10_000, reconnectInitialDelayMs: 20, reconnectMaxDelayMs: 200 });
  cleanups.push(() => manager.stop());
  return manager;
}

async function harnessWith(options: Parameters<typeof startSimHarness>[0]): Promise<SimHarness> {
  const h = await startSimHarness(options);
  cleanups.push(() => h.cleanup());
  return h;
}

/** Resolves with the first event `name` whose arguments satisfy `test` (the test timeout is the backstop). */
function nextEvent<K extends keyof DeviceManagerEvents>(
  manager: DeviceManager,
  name: K,
  test: (...args: DeviceManagerEvents[K]) => boolean = () => true,
): Promise<DeviceManagerEvents[K]> {
  return new Promise((resolve) => {
    const listener = (...args: DeviceManagerEvents[K]): void => {
      if (!test(...args)) return;
      manager.off(name, listener as never);
      resolve(args);
    };
    manager.on(name, listener as never);
  });
}

/** Waits until every listed phone has been inspected (its trust is no longer `unknown`). */
async function untilInspected(manager: DeviceManager, count: number): Promise<ManagedDevice[]> {
  for (;;) {
    await manager.settled();
    const devices = manager.list();
    if (devices.length === count && devices.every((device) => device.trust !== 'unknown')) return devices;
    await nextEvent(manager, 'updated');
  }
}

describe('DeviceManager with the virtual iPhone', () => {
  it('follows two phones attaching and detaching', async () => {
    const h = await harnessWith({ devices: 2 });
    const manager = managerFor(h.sim.address);
    const attached: string[] = [];
    manager.on('attached', (device) => attached.push(device.udid));
    manager.start();
    const devices = await untilInspected(manager, 2);
    const [first, second] = h.sim.devices();
    expect(new Set(attached)).toEqual(new Set([first?.udid, second?.udid]));
    expect(devices.every((device) => device.trust === 'untrusted')).toBe(true);
    expect(devices[0]?.summary.productType).toMatch(/^iPhone/);

    const detached = nextEvent(manager, 'detached');
    first?.unplug();
    expect(await detached).toEqual([first?.udid]);
    expect(manager.list().map((device) => device.udid)).toEqual([second?.udid]);

    const back = nextEvent(manager, 'attached');
    first?.plug();
    expect((await back)[0].udid).toBe(first?.udid);
    await untilInspected(manager, 2);

    second?.unplug();
    first?.unplug();
    while (manager.list().length > 0) await nextEvent(manager, 'detached');
    expect(manager.get(first?.udid as string)).toBeUndefined();
  });

  it('shows pairing-pending while the dialog is up, then trusted with the full summary', async () => {
    const h = await harnessWith({ trust: 'ask' });
    const phone = h.sim.devices()[0];
    const manager = managerFor(h.sim.address);
    manager.start();
    const [device] = await untilInspected(manager, 1);
    const states: string[] = [];
    manager.on('trust-changed', (changed) => states.push(changed.trust));
    phone?.onTrustPrompt(() => phone.answerTrustPrompt(true));

    const paired = await manager.pair(device?.udid as string, { pollIntervalMs: 20 });
    expect(states).toEqual(['pairing-pending', 'trusted']);
    expect(paired.trust).toBe('trusted');
    expect(paired.summary).toMatchObject({
      name: phone?.identity.deviceName,
      serialNumber: phone?.identity.serialNumber,
      productVersion: phone?.identity.productVersion,
      batteryPercent: 87,
      backupEncryptionEnabled: false,
    });
    expect(paired.summary.totalCapacityBytes).toBeGreaterThan(paired.summary.freeBytes ?? Infinity);
    expect(paired.problem).toBeUndefined();
  });

  it('notices a pairing made by another program through usbmuxd\'s Paired event', async () => {
    const h = await harnessWith({});
    const manager = managerFor(h.sim.address);
    manager.start();
    const [device] = await untilInspected(manager, 1);
    expect(device?.trust).toBe('untrusted');
    const trusted = nextEvent(manager, 'trust-changed', (changed) => changed.trust === 'trusted');
    const mux = new UsbmuxClient({ address: h.sim.address });
    await pairDevice(await mux.findDevice(device?.udid), { mux });
    expect((await trusted)[0].udid).toBe(device?.udid);
  });

  it('marks a phone denied or locked when pairing fails that way', async () => {
    const h = await harnessWith({ devices: 2, trust: 'deny' });
    const [, lockedPhone] = h.sim.devices();
    lockedPhone?.setFaults({ trust: 'accept', locked: true });
    const manager = managerFor(h.sim.address);
    manager.start();
    const [a, b] = await untilInspected(manager, 2);
    const outcomes = new Map<string, string>();
    for (const device of [a, b]) {
      const error = await manager.pair(device?.udid as string).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(LockdownError);
      outcomes.set(device?.udid as string, manager.get(device?.udid as string)?.trust as string);
    }
    expect(outcomes.get(lockedPhone?.udid as string)).toBe('locked');
    expect([...outcomes.values()].sort()).toEqual(['denied', 'locked']);
    expect(manager.get(lockedPhone?.udid as string)?.problem).toMatch(/Unlock your iPhone/);
  });

  it('survives usbmuxd restarting and finds the phones again, still trusted', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const options = { listen: `UNIX:${path.join(root, 'mux.sock')}`, stateDir: path.join(root, 'state'), devices: 1, trust: 'accept' as const };
    let sim = await startSimulator(options);
    cleanups.push(() => sim.stop());
    const manager = managerFor(sim.address);
    manager.start();
    const [device] = await untilInspected(manager, 1);
    await manager.pair(device?.udid as string);

    const lost = nextEvent(manager, 'daemon', (state) => state === 'disconnected');
    const gone = nextEvent(manager, 'detached');
    await sim.stop();
    await lost;
    await gone;
    expect(manager.list()).toEqual([]);

    const back = nextEvent(manager, 'daemon', (state) => state === 'connected');
    sim = await startSimulator(options);
    await back;
    const [again] = await untilInspected(manager, 1);
    expect(again?.udid).toBe(device?.udid);
    expect(again?.trust).toBe('trusted');
  });

  it('settles on the right state when a cable flaps', async () => {
    const h = await harnessWith({ devices: 1 });
    const phone = h.sim.devices()[0];
    const manager = managerFor(h.sim.address);
    manager.start();
    await untilInspected(manager, 1);
    for (let flap = 0; flap < 5; flap++) {
      const detached = nextEvent(manager, 'detached');
      phone?.unplug();
      await detached;
      const attached = nextEvent(manager, 'attached');
      phone?.plug();
      await attached;
    }
    const [device] = await untilInspected(manager, 1);
    expect(device?.trust).toBe('untrusted');
    expect(manager.list()).toHaveLength(1);
  });

  it('keeps retrying while usbmuxd is not running yet, then picks the phones up', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const listen = `UNIX:${path.join(root, 'mux.sock')}`;
    const manager = managerFor(listen);
    manager.start();
    expect(manager.daemon).toBe('disconnected');
    const connected = nextEvent(manager, 'daemon', (state) => state === 'connected');
    const attached = nextEvent(manager, 'attached');
    const sim = await startSimulator({ listen, stateDir: path.join(root, 'state'), devices: 1 });
    cleanups.push(() => sim.stop());
    await connected;
    expect((await attached)[0].udid).toBe(sim.devices()[0]?.udid);
  });
});
