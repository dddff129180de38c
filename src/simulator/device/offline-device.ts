import fs from 'node:fs';
import path from 'node:path';
import { openPhone } from '../phone/phone-store';
import { PHONE_PROFILES, type PhoneProfile } from '../phone/profiles';
import { DeviceState } from './device-state';
import { FAULTS_FILE_NAME, validateFaultPatch } from './fault-plan';

/**
 * Operations on a simulator's state directory while no simulator runs on it (the `erase` and
 * `fault` CLI commands). A running simulator keeps device.json in memory, so erase it through
 * `VirtualDevice.erase()` instead; faults.json, by contrast, is re-read live.
 */
export function deviceDirectories(stateDir: string, udid?: string): string[] {
  const devicesDir = path.join(stateDir, 'devices');
  if (!fs.existsSync(devicesDir)) throw new Error(`${stateDir} holds no simulator state (no devices folder).`);
  const all = fs.readdirSync(devicesDir).filter((name) => fs.existsSync(path.join(devicesDir, name, 'device.json')));
  const chosen = udid === undefined ? all : all.filter((name) => name === udid);
  if (chosen.length === 0) throw new Error(udid ? `No device ${udid} in ${stateDir}.` : `No devices in ${stateDir}.`);
  return chosen.map((name) => path.join(devicesDir, name));
}

/** Factory reset of a stopped device: phone files, backup settings, trusted computers. */
export function eraseDeviceDirectory(directory: string): void {
  const state = DeviceState.loadOrCreate(path.join(directory, 'device.json'), () => {
    throw new Error(`${directory} has no device.json.`);
  });
  const origin = state.origin;
  const profile = (PHONE_PROFILES as readonly string[]).includes(origin?.profile ?? '') ? (origin?.profile as PhoneProfile) : 'small';
  const phone = openPhone(path.join(directory, 'phone'), { seed: origin?.seed ?? 1, profile });
  try {
    phone.eraseToFactory();
  } finally {
    phone.close();
  }
  state.resetToFactory();
}

/** Merges `patch` into the device's faults.json (null removes a fault); `clear` deletes the file. */
export function writeFaultFile(directory: string, patch: Record<string, unknown>, clear: boolean): Record<string, unknown> {
  const file = path.join(directory, FAULTS_FILE_NAME);
  let current: Record<string, unknown> = {};
  if (!clear && fs.existsSync(file)) current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...current, ...patch };
  for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
  validateFaultPatch(merged);
  if (Object.keys(merged).length === 0) fs.rmSync(file, { force: true });
  else fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(merged, null, 2)}\n`);
  if (Object.keys(merged).length > 0) fs.renameSync(`${file}.tmp`, file);
  return merged;
}
