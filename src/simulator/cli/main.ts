import path from 'node:path';
import readline from 'node:readline';
import { deviceDirectories, eraseDeviceDirectory, writeFaultFile } from '../device/offline-device';
import type { VirtualDevice } from '../device/virtual-device';
import { changePhone } from '../phone/phone-changes';
import { startSimulator } from '../simulator';
import { parseConsoleChange } from './console-change';
import { parseCliArgs, parseFaultAssignments, USAGE, UsageError, type CliCommand } from './cli-args';

/** `npm run sim -- …`: runs the virtual iPhones, or edits a stopped simulator's state. */
async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'erase':
      for (const directory of deviceDirectories(command.stateDir, command.udid)) {
        eraseDeviceDirectory(directory);
        process.stdout.write(`erased ${path.basename(directory)}\n`);
      }
      return 0;
    case 'fault': {
      const patch = parseFaultAssignments(command.assignments);
      for (const directory of deviceDirectories(command.stateDir, command.udid)) {
        const faults = writeFaultFile(directory, patch, command.clear);
        process.stdout.write(`${path.basename(directory)} faults: ${JSON.stringify(faults)}\n`);
      }
      return 0;
    }
    case 'run':
      return run(command);
  }
}

async function run(command: Extract<CliCommand, { kind: 'run' }>): Promise<number> {
  const sim = await startSimulator({
    listen: command.listen,
    stateDir: command.stateDir,
    ...(command.profile === undefined ? {} : { profile: command.profile }),
    ...(command.seed === undefined ? {} : { seed: command.seed }),
    devices: command.devices,
    trust: command.trust,
    // With --trust ask the person at the console answers the backup's passcode sheet too.
    ...(command.trust === 'ask' ? { passcodePrompt: 'ask' as const } : {}),
    productVersion: command.productVersion,
    connection: command.connection,
    enableWifiConnections: command.enableWifiConnections,
    log: command.verbose ? (message) => process.stderr.write(`${message}\n`) : undefined,
  });
  for (const device of sim.devices()) {
    process.stdout.write(`device ${device.udid} (${device.identity.deviceName}, iOS ${device.identity.productVersion})\n`);
    if (command.connection !== 'usb') {
      process.stdout.write(`  Wi-Fi: ${device.wifiConnectionsEnabled() ? 'shown on the network' : 'hidden until a paired host turns on EnableWifiConnections (or restart with --enable-wifi-connections)'}\n`);
    }
    device.onTrustPrompt(() => {
      process.stdout.write(`Trust This Computer? on ${device.udid}: type "trust" or "deny"\n`);
    });
    device.onPasscodePrompt(() => {
      process.stdout.write(`Enter Passcode (backup) on ${device.udid}: type "passcode" or "deny"\n`);
    });
  }
  process.stdout.write(`USBMUXD_SOCKET_ADDRESS=${sim.address}\nready\n`);

  // Prompts are answered from stdin: "trust" / "deny" for the trust prompt, "passcode" / "deny"
  // for the backup's passcode sheet, optionally followed by a UDID. "deny" goes to the trust
  // prompt when one shows, else to the passcode sheet.
  const input = readline.createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => {
    const [word, udid, ...rest] = line.trim().split(/\s+/);
    if (word === 'change') {
      void changeFromConsole(sim.devices(), [udid, ...rest].filter((text): text is string => text !== undefined && text !== ''));
      return;
    }
    if (word === 'settle') {
      // The phones' background work done (replaced files' old bytes freed), so the next run meets the same phone.
      void Promise.all(sim.devices().map((device) => device.phone.settled())).then(() => process.stdout.write('settled\n'));
      return;
    }
    if (word !== 'trust' && word !== 'deny' && word !== 'passcode') return;
    const chosen = (pending: (device: VirtualDevice) => boolean) => sim.devices().filter((device) => (udid ? device.udid === udid : true) && pending(device));
    const trustTargets = word === 'passcode' ? [] : chosen((device) => device.isTrustPromptPending());
    for (const device of trustTargets) {
      device.answerTrustPrompt(word === 'trust');
      process.stdout.write(`${device.udid}: ${word === 'trust' ? 'trusted' : 'denied'}\n`);
    }
    const passcodeTargets = word === 'trust' || trustTargets.length > 0 ? [] : chosen((device) => device.isPasscodePromptPending());
    for (const device of passcodeTargets) {
      device.answerPasscodePrompt(word === 'passcode');
      process.stdout.write(`${device.udid}: passcode ${word === 'passcode' ? 'entered' : 'cancelled'}\n`);
    }
    if (trustTargets.length === 0 && passcodeTargets.length === 0) process.stdout.write(`No prompt that "${word}" answers is showing.\n`);
  });

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  input.close();
  await sim.stop();
  return 0;
}

/**
 * `change …` on the console (console-change.ts): edits the running phones between two backups, so
 * an incremental backup has something to send. Prints one `UDID: changed …` line per phone when
 * done, which is what a driver waits for before its next backup.
 */
async function changeFromConsole(devices: readonly VirtualDevice[], words: readonly string[]): Promise<void> {
  try {
    const { udid, options } = parseConsoleChange(words);
    const targets = devices.filter((device) => udid === undefined || device.udid === udid);
    if (targets.length === 0) throw new UsageError(`No phone ${udid} here.`);
    for (const device of targets) {
      const summary = await changePhone(device.phone, options);
      process.stdout.write(`${device.udid}: changed added=${summary.added.length} modified=${summary.modified.length} deleted=${summary.deleted.length}\n`);
    }
  } catch (error) {
    process.stdout.write(`change failed: ${(error as Error).message}\n`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`sim: ${error.message}\n`);
    process.exit(1);
  },
);
