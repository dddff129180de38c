import { setTimeout as delay } from 'node:timers/promises';
import { plistData, plistString } from '../codec';
import { LockdownError } from '../errors';
import type { MuxDevice, UsbmuxClient } from '../usbmux';
import { openLockdown } from './lockdown-client';
import { decodePairRecord, encodePairRecord, newHostId, type PairRecord } from './pair-record';

export interface PairOptions {
  readonly mux: UsbmuxClient;
  /** How long to wait for the person to answer the trust dialog (default 2 minutes). */
  readonly dialogTimeoutMs?: number;
  /** How often to ask again while the dialog is up (default 1 s, §2.5.2). */
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
  /** Called once when the phone shows "Trust This Computer?". */
  readonly onDialogShown?: () => void;
  readonly label?: string;
}

/**
 * Pairs this computer with a phone (§2.5): builds certificates from the phone's public key, sends
 * Pair until the person answers the trust dialog, and saves the full record through usbmuxd so
 * libimobiledevice tools can use it too. Throws LockdownError with code UserDeniedPairing,
 * PasswordProtected, PairingTimeout or Aborted when it cannot finish.
 */
export async function pairDevice(device: MuxDevice, options: PairOptions): Promise<PairRecord> {
  const { mux, signal } = options;
  const dialogTimeoutMs = options.dialogTimeoutMs ?? 120_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  throwIfAborted(signal);
  const systemBuid = await mux.readBuid();
  const lockdown = await openLockdown(device, { mux, timeoutMs: mux.timeoutMs, label: options.label });
  try {
    const devicePublicKey = plistData(await lockdown.getValue(undefined, 'DevicePublicKey'));
    if (!devicePublicKey) throw new LockdownError('ProtocolError', 'The iPhone did not give its public key, so it cannot be paired.');
    // WiFiAddress must be read before Pair: iOS 7 refuses it afterwards (§2.5.3).
    const wifiMacAddress = plistString(await lockdown.getValue(undefined, 'WiFiAddress').catch(() => undefined));
    // Loaded here, not at start: @peculiar/x509 and its Reflect polyfill cost every command that
    // only talks to a paired phone (`lifeboat devices`, a backup) tens of milliseconds (issue 16).
    const { generatePairingCertificates } = await import('./pair-certificates');
    const certificates = await generatePairingCertificates(devicePublicKey);
    const unsaved: PairRecord = { ...certificates, hostId: newHostId(), systemBuid, wifiMacAddress, escrowBag: undefined };

    const deadline = Date.now() + dialogTimeoutMs;
    let dialogShown = false;
    for (;;) {
      throwIfAborted(signal);
      try {
        const escrowBag = await lockdown.pair(unsaved);
        const record: PairRecord = { ...unsaved, escrowBag };
        await mux.savePairRecord(device.udid, encodePairRecord(record), device.deviceId);
        return record;
      } catch (error) {
        if (!(error instanceof LockdownError) || error.code !== 'PairingDialogResponsePending') throw error;
      }
      if (!dialogShown) {
        dialogShown = true;
        options.onDialogShown?.();
      }
      if (Date.now() + pollIntervalMs > deadline) {
        throw new LockdownError(
          'PairingTimeout',
          `Nobody answered "Trust This Computer?" within ${Math.round(dialogTimeoutMs / 1000)} s. Unlock your iPhone, tap Trust and try again.`,
        );
      }
      try {
        await delay(pollIntervalMs, undefined, { signal });
      } catch {
        throwIfAborted(signal);
      }
    }
  } finally {
    lockdown.close();
  }
}

/**
 * Makes the phone forget this computer (Unpair, §2.5.1) and deletes usbmuxd's record. A phone that
 * had already forgotten us (InvalidHostID) still gets the local record removed.
 */
export async function unpairDevice(device: MuxDevice, options: { readonly mux: UsbmuxClient; readonly label?: string }): Promise<void> {
  const { mux } = options;
  const bytes = await mux.readPairRecord(device.udid);
  if (!bytes) return;
  const record = decodePairRecord(bytes);
  const lockdown = await openLockdown(device, { mux, timeoutMs: mux.timeoutMs, label: options.label });
  try {
    await lockdown.unpair(record.hostId);
  } catch (error) {
    if (!(error instanceof LockdownError) || error.code !== 'InvalidHostID') throw error;
  } finally {
    lockdown.close();
  }
  await mux.deletePairRecord(device.udid);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LockdownError('Aborted', 'Pairing was cancelled.');
}
