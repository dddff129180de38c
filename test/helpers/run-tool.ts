import { execFile } from 'node:child_process';

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The signal that ended the tool (a crash loses what it had buffered for stdout). */
  readonly signal?: string;
  /** True when the tool was killed because it ran past the timeout. */
  readonly timedOut: boolean;
}

/**
 * Runs a command-line tool (idevice_id, ideviceinfo, idevicepair, idevicebackup2, …) and never
 * throws for a non-zero exit: tests assert on the code and the output instead.
 */
export function runTool(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : -1;
        const signal = (failure as { signal?: string | null } | null)?.signal ?? undefined;
        resolve({ code, stdout, stderr, timedOut: failure?.killed === true, ...(signal ? { signal } : {}) });
      },
    );
  });
}
