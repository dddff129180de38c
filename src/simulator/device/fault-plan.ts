import fs from 'node:fs';
import type { FaultPlan, PasscodePromptAnswer } from './service-context';

export const FAULTS_FILE_NAME = 'faults.json';

const NUMBER_FAULTS = ['unplugAfterBytes', 'unplugAfterFiles', 'silentAfterBytes', 'silentAfterFiles', 'replugAfterMs', 'deviceFreeBytes', 'linkBytesPerSecond', 'passcodeAnswerMs', 'passcodeTimeoutMs'] as const;
const TRUST_VALUES: readonly FaultPlan['trust'][] = ['accept', 'deny', 'ask'];
const PASSCODE_VALUES: readonly PasscodePromptAnswer[] = ['accept', 'deny', 'ignore', 'ask'];
const MALFORMED_VALUES: readonly NonNullable<FaultPlan['malformedReplies']>[] = ['lockdown', 'mobilebackup2', 'afc'];

export class FaultPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultPlanError';
  }
}

/** Checks a patch from JSON or the command line, so a typo fails loudly instead of doing nothing. */
export function validateFaultPatch(value: unknown): Partial<FaultPlan> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FaultPlanError('Faults must be a JSON object.');
  const patch: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if ((NUMBER_FAULTS as readonly string[]).includes(key)) {
      if (field !== null && (typeof field !== 'number' || !Number.isFinite(field) || field < 0)) {
        throw new FaultPlanError(`Fault "${key}" must be a non-negative number or null, not ${JSON.stringify(field)}.`);
      }
      patch[key] = field ?? undefined;
    } else if (key === 'trust') {
      if (!TRUST_VALUES.includes(field as FaultPlan['trust'])) throw new FaultPlanError(`Fault "trust" must be one of ${TRUST_VALUES.join(', ')}.`);
      patch[key] = field;
    } else if (key === 'locked' || key === 'iCloudPhotos' || key === 'silentNotificationProxy') {
      if ((key === 'iCloudPhotos' || key === 'silentNotificationProxy') && field === null) {
        patch[key] = undefined;
        continue;
      }
      if (typeof field !== 'boolean') throw new FaultPlanError(`Fault "${key}" must be true or false.`);
      patch[key] = field;
    } else if (key === 'passcodePrompt') {
      if (field !== null && !PASSCODE_VALUES.includes(field as PasscodePromptAnswer)) {
        throw new FaultPlanError(`Fault "passcodePrompt" must be one of ${PASSCODE_VALUES.join(', ')} or null.`);
      }
      patch[key] = field ?? undefined;
    } else if (key === 'unreadablePaths') {
      if (field !== null && (!Array.isArray(field) || !field.every((item) => typeof item === 'string' && item.startsWith('/')))) {
        throw new FaultPlanError('Fault "unreadablePaths" must be a list of AFC paths starting with "/", or null.');
      }
      patch[key] = field ?? undefined;
    } else if (key === 'malformedReplies') {
      if (field !== null && !MALFORMED_VALUES.includes(field as NonNullable<FaultPlan['malformedReplies']>)) {
        throw new FaultPlanError(`Fault "malformedReplies" must be one of ${MALFORMED_VALUES.join(', ')} or null.`);
      }
      patch[key] = field ?? undefined;
    } else {
      throw new FaultPlanError(`"${key}" is not a fault the simulator knows.`);
    }
  }
  return patch as Partial<FaultPlan>;
}

/**
 * The faults of one device: defaults, then `faults.json` in the device directory (so a running
 * simulator can be steered from outside; re-read when it changes), then live `setFaults` patches.
 */
export class FaultPlanSource {
  private patch: Partial<FaultPlan> = {};
  private fileStamp = '';
  private filePatch: Partial<FaultPlan> = {};
  private fileCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly base: FaultPlan, private readonly file: string, private readonly log: (message: string) => void) {}

  /**
   * The plan now. `fileMaxAgeMs` lets a caller on a per-chunk path reuse a look at the file that
   * recent instead of a stat per chunk; live patches always apply at once.
   */
  current(fileMaxAgeMs = 0): FaultPlan {
    return { ...this.base, ...this.readFile(fileMaxAgeMs), ...this.patch };
  }

  /** A key set to undefined drops its live override, so faults.json or the default applies again. */
  set(patch: Partial<FaultPlan>): void {
    const next: Record<string, unknown> = { ...this.patch, ...patch };
    for (const [key, value] of Object.entries(next)) if (value === undefined) delete next[key];
    this.patch = next as Partial<FaultPlan>;
  }

  private readFile(maxAgeMs: number): Partial<FaultPlan> {
    const now = performance.now();
    if (maxAgeMs > 0 && now - this.fileCheckedAt < maxAgeMs) return this.filePatch;
    this.fileCheckedAt = now;
    // Called for every chunk a throttled link moves, so a missing file must not cost an exception.
    let stamp = 'missing';
    try {
      const stat = fs.statSync(this.file, { throwIfNoEntry: false });
      if (stat) stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      stamp = 'missing';
    }
    if (stamp === this.fileStamp) return this.filePatch;
    this.fileStamp = stamp;
    this.filePatch = {};
    if (stamp !== 'missing') {
      try {
        this.filePatch = validateFaultPatch(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      } catch (error) {
        this.log(`Ignoring ${this.file}: ${(error as Error).message}`);
      }
    }
    return this.filePatch;
  }
}
