import v8 from 'node:v8';

/**
 * How eagerly V8 optimises the backup's JavaScript (issue 16, many-small full backup).
 *
 * V8 hands a function to its optimising compiler (TurboFan, on helper threads) once the function
 * has used up its interrupt budget of bytecode: 66 KiB of it in Node 20. A backup runs a few
 * hundred functions just warm enough for that, some of them optimised again after a deoptimisation.
 * On two cores shared with the phone that compiling is CPU taken from the main thread, the writer
 * threads and the phone: ~0.6 s of a many-small full backup's ~7.5 s (`perf` of the Lifeboat
 * process, V8's helper threads, 2026-12-03). With eight times the budget only the really hot
 * functions are optimised, a little later: the helper threads' CPU fell from ~0.8 s to ~0.45 s
 * and the main thread's did not measurably grow (bench/README.md, "User CPU per file on the main thread").
 *
 * Process-wide and applied once. Not in Electron, whose V8 may refuse flags changed after start;
 * nor when the process was started with its own --interrupt-budget, which wins.
 */
const INTERRUPT_BUDGET = 8 * 66 * 1024;

let applied = false;

export function useBackupTiering(): void {
  if (applied) return;
  applied = true;
  if (process.versions['electron'] !== undefined) return;
  if ([...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((flag) => /^--interrupt[-_]budget(=|$)/.test(flag))) return;
  v8.setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}
