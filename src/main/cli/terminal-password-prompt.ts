import type { PasswordRequestView } from '../../shared/contract';
import { type PasswordRunner, passwordRunner } from '../core/backup-job';
import { checkBackupPassword } from '../core/backup-password-check';
import { EventHub } from '../core/event-hub';
import { PasswordBroker } from '../core/password-broker';
import { type CliIo, processIo } from './cli-io';
import { readPasswords } from './password-input';
import type { ProgressRenderer } from './progress-view';

/** What the prompt says, by why the core asks (`problem`); the first time, by what the password is for. */
const PROMPTS: Readonly<Record<NonNullable<PasswordRequestView['problem']>, string>> = {
  wrong: 'That password does not open the backup. Backup password',
  'remembered-wrong': 'Backup password',
};

function firstPrompt(reason: PasswordRequestView['reason']): string {
  if (reason === 'backup') return 'Backup password (to leave the Camera Roll out)';
  if (reason === 'restore') return 'Password of the encrypted backup to restore';
  return 'Backup password';
}

/**
 * The CLI's side of the app's one password prompt (core's PasswordBroker): the core asks with
 * `password:needed` as it does the window, and a terminal answers with a hidden prompt, asked again
 * while the password does not open the phone's backup. Without a terminal nobody can be asked, so
 * the work's own password error ends the command (exit 9), as `--password-stdin` is the way there.
 * Nothing is remembered beyond the command.
 */
export class TerminalPasswordPrompt {
  constructor(
    private readonly io: CliIo,
    /** Ended before a prompt, so the bar's line does not run into it. */
    private readonly renderer: ProgressRenderer,
    private readonly signal?: AbortSignal,
  ) {}

  async answering<T>(work: (withPassword: PasswordRunner) => Promise<T>): Promise<T> {
    const hub = new EventHub();
    const broker = new PasswordBroker(hub);
    const canAsk = this.io === processIo && process.stdin.isTTY === true;
    // Why the prompt itself failed (an empty answer), which says more than the broker's "cancelled".
    let promptFailure: unknown;
    const stopListening = hub.on('password:needed', (request) => {
      this.renderer.end();
      readPasswords(this.io, { fromStdin: false, prompts: [request.problem ? PROMPTS[request.problem] : firstPrompt(request.reason)], ...(this.signal ? { signal: this.signal } : {}) }).then(
        ([password]) => broker.provide(request.requestId, password ?? '', false),
        (error: unknown) => {
          promptFailure = error;
          broker.cancel(request.requestId);
        },
      );
    });
    try {
      return await work(passwordRunner(broker, { checkPassword: checkBackupPassword, canAsk }));
    } catch (error) {
      throw promptFailure ?? error;
    } finally {
      stopListening();
      broker.cancelAll();
    }
  }
}
