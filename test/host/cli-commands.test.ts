import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/main';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runTool } from '../helpers/run-tool';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

let h: SimHarness;
beforeAll(async () => {
  h = await startSimHarness({ devices: 2 });
});
afterAll(async () => {
  await h.cleanup();
});

/** Runs the CLI in-process with the simulator's usbmuxd address, collecting what it prints. */
async function cli(args: string[], env: NodeJS.ProcessEnv = h.env): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env });
  return { code, stdout, stderr };
}

describe('lifeboat CLI: devices and pair', () => {
  it('runs through the bin entry: devices --json lists both phones as untrusted', async () => {
    const result = await runTool('node', ['bin/lifeboat.mjs', 'devices', '--json'], h.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(ExitCode.ok);
    const listed = JSON.parse(result.stdout) as { udid: string; trust: string; summary: { productType?: string } }[];
    expect(listed.map((device) => device.udid).sort()).toEqual(h.sim.devices().map((device) => device.udid).sort());
    expect(listed.every((device) => device.trust === 'untrusted' && device.summary.productType?.startsWith('iPhone'))).toBe(true);
  });

  it('exits 1 with usage for no command, an unknown command or an unknown option', async () => {
    for (const args of [[], ['frobnicate'], ['devices', '--colour'], ['pair', '--udid']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(ExitCode.usage);
      expect(result.stderr).toMatch(/Usage:/);
    }
    expect((await cli(['--help'])).code).toBe(ExitCode.ok);
  });

  it('asks which phone to pair when several are connected, and exits 2 for an unknown UDID', async () => {
    const several = await cli(['pair']);
    expect(several.code).toBe(ExitCode.usage);
    expect(several.stderr).toMatch(/--udid/);
    const unknown = await cli(['pair', '--udid', 'not-a-phone']);
    expect(unknown.code).toBe(ExitCode.noDevice);
    expect(unknown.stderr).toMatch(/not connected/);
  });

  it('exits 3 when the person taps Don\'t Trust and 4 when the phone is locked', async () => {
    const [first] = h.sim.devices();
    first?.setFaults({ trust: 'deny' });
    const denied = await cli(['pair', '--udid', first?.udid as string]);
    expect(denied.code).toBe(ExitCode.notTrusted);
    expect(denied.stderr).toMatch(/Don't Trust/);
    first?.setFaults({ trust: 'accept', locked: true });
    const locked = await cli(['pair', '--udid', first?.udid as string]);
    expect(locked.code).toBe(ExitCode.locked);
    expect(locked.stderr).toMatch(/Unlock your iPhone/);
    first?.setFaults({ locked: false });
  });

  it('pairs a phone and then shows it trusted with its summary', async () => {
    const [, second] = h.sim.devices();
    const paired = await cli(['pair', '--udid', second?.udid as string]);
    expect(paired.code).toBe(ExitCode.ok);
    expect(paired.stdout).toMatch(/Paired with/);
    const listed = await cli(['devices']);
    expect(listed.code).toBe(ExitCode.ok);
    expect(listed.stdout).toContain(`${second?.identity.deviceName}  (${second?.udid}, USB)\n  trust: trusted`);
    expect(listed.stdout).toMatch(/battery: 87%/);
  });

  it('exits 5 with advice when usbmuxd cannot be reached', async () => {
    const result = await runTool('node', ['bin/lifeboat.mjs', 'devices'], { ...h.env, USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/usbmuxd' });
    expect(result.code).toBe(ExitCode.daemonUnreachable);
    expect(result.stderr).toMatch(/Cannot reach usbmuxd/);
  });
});
