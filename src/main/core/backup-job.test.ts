import { describe, expect, it } from 'vitest';
import { BackupError } from '../backup/backup-error';
import type { BackupRunOptions } from './backends';
import { type BackupJobRequest, passwordRunner, runBackupJob } from './backup-job';
import { EventHub } from './event-hub';
import type { ProgressUpdate } from './job-queue';
import { PasswordBroker } from './password-broker';

const REQUEST: BackupJobRequest = { udid: 'PHONE', backupRoot: '/backups', full: false, cameraRoll: false, retention: {} };

/** An engine standing in for an encrypted phone: with the Camera Roll out it needs the password (§6.4). */
function encryptedEngine(runs: Array<string | undefined>) {
  return async (options: BackupRunOptions): Promise<{ backupPath: string }> => {
    runs.push(options.password);
    if (!options.cameraRoll && options.password === undefined) throw new BackupError('password-required', 'Backups of this iPhone are encrypted: the password is needed to leave the Camera Roll out.');
    return { backupPath: `${options.backupRoot}/${options.udid}` };
  };
}

function context(updates: ProgressUpdate[] = []) {
  return { signal: new AbortController().signal, report: (update: ProgressUpdate) => updates.push(update) };
}

describe('one backup orchestration for every adapter (core/backup-job.ts)', () => {
  it('with nobody to ask (the CLI without a terminal), the engine\'s own password error ends it, and no prompt is raised', async () => {
    const hub = new EventHub();
    const broker = new PasswordBroker(hub);
    const asked: unknown[] = [];
    hub.on('password:needed', (request) => {
      asked.push(request);
      broker.cancel(request.requestId);
    });
    const runs: Array<string | undefined> = [];
    const withPassword = passwordRunner(broker, { canAsk: false });
    const error = await runBackupJob({ runEngine: encryptedEngine(runs), withPassword }, REQUEST, context()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('password-required');
    expect(runs).toEqual([undefined]);
    expect(asked).toEqual([]);
  });

  it('asks through the broker when someone can answer, tries the password on the key bag first, and runs the engine with the right one', async () => {
    const hub = new EventHub();
    const broker = new PasswordBroker(hub);
    const problems: Array<string | undefined> = [];
    hub.on('password:needed', (request) => {
      problems.push(request.problem);
      broker.provide(request.requestId, request.problem === undefined ? 'wrong' : 'right', false);
    });
    const checkPassword = async (_folder: string, password: string): Promise<void> => {
      if (password !== 'right') throw new BackupError('wrong-password', 'That password does not open the backup.');
    };
    const runs: Array<string | undefined> = [];
    const updates: ProgressUpdate[] = [];
    const result = await runBackupJob({ runEngine: encryptedEngine(runs), withPassword: passwordRunner(broker, { checkPassword }) }, REQUEST, context(updates));
    expect(result).toEqual({ backupPath: '/backups/PHONE' });
    expect(problems).toEqual([undefined, 'wrong']);
    expect(runs).toEqual([undefined, 'right']);
    expect(updates.map((update) => update.waitingFor)).toContain('password');
  });

  it('never looks a password up with the Camera Roll in, and passes a handed-in one as it is', async () => {
    const hub = new EventHub();
    hub.on('password:needed', () => expect.unreachable('asked for a password the engine does not need'));
    const runs: Array<string | undefined> = [];
    const withPassword = passwordRunner(new PasswordBroker(hub), {});
    await runBackupJob({ runEngine: encryptedEngine(runs), withPassword }, { ...REQUEST, cameraRoll: true }, context());
    await runBackupJob({ runEngine: encryptedEngine(runs), withPassword }, { ...REQUEST, password: 'handed' }, context());
    expect(runs).toEqual([undefined, 'handed']);
  });

  it('a locked phone fails without an unlock watcher (the CLI\'s exit 4) and waits, then goes on, with one', async () => {
    let locked = true;
    let runs = 0;
    const runEngine = async (): Promise<{ backupPath: string }> => {
      runs += 1;
      if (locked) throw new BackupError('device-locked', 'The iPhone is locked. Unlock it to back up.');
      return { backupPath: '/backups/PHONE' };
    };
    const withPassword = passwordRunner(new PasswordBroker(new EventHub()), {});
    const cameraRollIn = { ...REQUEST, cameraRoll: true };
    const refused = await runBackupJob({ runEngine, withPassword }, cameraRollIn, context()).catch((caught: unknown) => caught);
    expect((refused as BackupError).code).toBe('device-locked');

    const updates: ProgressUpdate[] = [];
    const unlock = {
      isLocked: () => false,
      lockedNow: async () => locked,
      waitForUnlock: async () => {
        locked = false;
      },
    };
    await expect(runBackupJob({ runEngine, withPassword, unlock }, cameraRollIn, context(updates))).resolves.toEqual({ backupPath: '/backups/PHONE' });
    expect(runs).toBe(3);
    expect(updates.map((update) => update.waitingFor)).toEqual(['unlock', undefined]);
  });
});
