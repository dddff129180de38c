import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { IdleLoopReport } from './idle-loop-child';

export interface IdleLoopProbe {
  /** Ends the probe and returns its event-loop delay over the time it ran. */
  stop(): Promise<IdleLoopReport>;
}

/** Starts bench/idle-loop-child.ts (the event-loop row's control) and waits until it measures. */
export async function startIdleLoopProbe(repoRoot: string): Promise<IdleLoopProbe> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench', 'idle-loop-child.ts')], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`The idle-loop probe exited (code ${code}) early.`));
      child.once('exit', onExit);
      lines.once('line', (line) => {
        child.off('exit', onExit);
        resolve(line);
      });
    });
  const ready = await next();
  if (ready !== 'ready') throw new Error(`The idle-loop probe said "${ready}" instead of ready.`);
  return {
    async stop() {
      const report = next();
      child.stdin.end();
      return JSON.parse(await report) as IdleLoopReport;
    },
  };
}
