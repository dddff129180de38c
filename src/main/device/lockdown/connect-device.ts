import { LockdownError } from '../errors';
import { type MuxDevice, UsbmuxClient } from '../usbmux';
import { type LockdownClient, openLockdown } from './lockdown-client';
import { LockdownSession } from './lockdown-session';
import { decodePairRecord, type PairRecord } from './pair-record';

interface ConnectDeviceOptions {
  /** USBMUXD_SOCKET_ADDRESS-style text; default: the environment, then the platform default. */
  readonly muxAddress?: string;
  readonly mux?: UsbmuxClient;
  readonly timeoutMs?: number;
  readonly label?: string;
}

/** A trusted, session-holding connection to one phone: what the service clients start from. */
export interface DeviceConnection {
  readonly device: MuxDevice;
  readonly mux: UsbmuxClient;
  readonly lockdown: LockdownClient;
  readonly session: LockdownSession;
  readonly pairRecord: PairRecord;
  /** Stops the session (best effort) and closes the lockdown connection. */
  close(): Promise<void>;
}

/** The pair record usbmuxd holds for this phone, or a LockdownError NotPaired saying what to do. */
export async function loadPairRecord(mux: UsbmuxClient, udid: string): Promise<PairRecord> {
  const bytes = await mux.readPairRecord(udid);
  if (!bytes) {
    throw new LockdownError('NotPaired', 'This computer is not trusted by the iPhone yet. Run "lifeboat pair", unlock the iPhone and tap Trust.');
  }
  return decodePairRecord(bytes);
}

/** Starts a session on an open lockdown connection with a stored pair record (§2.6). */
export async function startSession(lockdown: LockdownClient, pairRecord: PairRecord, systemBuid: string): Promise<LockdownSession> {
  const started = await lockdown.startSession(pairRecord, systemBuid);
  return new LockdownSession(lockdown, started.sessionId, pairRecord, started.sslEnabled);
}

/**
 * Finds the phone (any phone when `udid` is undefined), loads its pair record, opens lockdownd and
 * starts a TLS session: everything a service client needs before StartService.
 */
export async function connectDevice(udid: string | undefined, options: ConnectDeviceOptions = {}): Promise<DeviceConnection> {
  const mux = options.mux ?? new UsbmuxClient({ address: options.muxAddress, timeoutMs: options.timeoutMs });
  const device = await mux.findDevice(udid);
  const pairRecord = await loadPairRecord(mux, device.udid);
  const systemBuid = await mux.readBuid();
  const lockdown = await openLockdown(device, { mux, timeoutMs: options.timeoutMs ?? mux.timeoutMs, label: options.label });
  let session: LockdownSession;
  try {
    session = await startSession(lockdown, pairRecord, systemBuid);
  } catch (error) {
    lockdown.close();
    throw error;
  }
  return {
    device,
    mux,
    lockdown,
    session,
    pairRecord,
    async close(): Promise<void> {
      try {
        await session.stop();
      } catch {
        // The phone may already be gone; closing the socket is all that is left to do.
      } finally {
        lockdown.close();
      }
    },
  };
}
