import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator';

export interface SimHarness {
  readonly sim: Simulator;
  /** process.env plus USBMUXD_SOCKET_ADDRESS pointing at the simulator: pass it to tools. */
  readonly env: NodeJS.ProcessEnv;
  /** The simulator's state directory (devices, usbmuxd pair records). */
  readonly stateDir: string;
  /** A scratch directory for the test's own files (backups, exports); removed by cleanup. */
  readonly workDir: string;
  /** Stops the simulator and removes every temporary directory. Safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Starts a virtual iPhone on a temporary UNIX socket with a temporary state directory, the way
 * every integration test wants it. Defaults: one device, profile `small`, seed 1, trust `accept`.
 */
export async function startSimHarness(options: Partial<Omit<SimulatorOptions, 'listen' | 'stateDir'>> = {}): Promise<SimHarness> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  const stateDir = path.join(root, 'state');
  const workDir = path.join(root, 'work');
  fs.mkdirSync(stateDir);
  fs.mkdirSync(workDir);
  const socketPath = path.join(root, 'usbmuxd.sock');
  let sim: Simulator;
  try {
    sim = await startSimulator({ profile: 'small', seed: 1, devices: 1, trust: 'accept', ...options, listen: `UNIX:${socketPath}`, stateDir });
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
  let cleaned = false;
  return {
    sim,
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address },
    stateDir,
    workDir,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      try {
        await sim.stop();
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
