/** Command line of `npm run bench`. */
export interface BenchOptions {
  readonly profiles: readonly BenchProfile[];
  readonly tools: readonly BenchTool[];
  /** False: print the table without replacing bench/RESULTS.md. */
  readonly write: boolean;
  /** Folder for V8 CPU profiles of the Lifeboat child (`--cpu-prof DIR`); profiling slows it, so such runs are for finding hot spots, not for the table. */
  readonly cpuProfileDir: string | undefined;
  /** Runs per tool and profile, alternating which tool goes first; undefined: 5 for many-small, 1 for large. */
  readonly rounds: number | undefined;
}

/** Alternating runs per tool: the machine is shared and one run can be off by a third. */
export function roundsFor(options: BenchOptions, profile: BenchProfile): number {
  return options.rounds ?? (profile === 'large' ? 1 : 5);
}

export type BenchProfile = 'large' | 'many-small';
export type BenchTool = 'lifeboat' | 'idevicebackup2';

export const BENCH_USAGE = `Usage: npm run bench -- [--profile large|many-small]... [--only lifeboat|idevicebackup2] [--rounds N] [--quick] [--no-write] [--cpu-prof DIR]
  Backs up the same virtual iPhone with Lifeboat and with idevicebackup2 and writes bench/RESULTS.md.
  --rounds N     backups per tool and profile, alternating which tool goes first (default 5 for many-small, 1 for large)
  --quick        the many-small profile only
  --no-write     print the table without replacing bench/RESULTS.md
  --cpu-prof DIR write a V8 CPU profile of the Lifeboat process into DIR (implies --no-write)`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const profiles: BenchProfile[] = [];
  let tools: BenchTool[] = ['lifeboat', 'idevicebackup2'];
  let quick = false;
  let write = true;
  let cpuProfileDir: string | undefined;
  let rounds: number | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const found = inline ?? argv[++index];
      if (found === undefined) throw new Error(`${name} needs a value.\n\n${BENCH_USAGE}`);
      return found;
    };
    if (name === '--profile') {
      const profile = value();
      if (profile !== 'large' && profile !== 'many-small') throw new Error(`Unknown profile "${profile}": use large or many-small.`);
      profiles.push(profile);
    } else if (name === '--only') {
      const tool = value();
      if (tool !== 'lifeboat' && tool !== 'idevicebackup2') throw new Error(`Unknown tool "${tool}": use lifeboat or idevicebackup2.`);
      tools = [tool];
    } else if (name === '--quick') quick = true;
    else if (name === '--no-write') write = false;
    else if (name === '--rounds') {
      const count = Number(value());
      if (!Number.isInteger(count) || count < 1 || count > 20) throw new Error(`--rounds needs a whole number from 1 to 20.\n\n${BENCH_USAGE}`);
      rounds = count;
    }
    else if (name === '--cpu-prof') {
      cpuProfileDir = value();
      write = false;
    }
    else throw new Error(`Unknown option ${arg}.\n\n${BENCH_USAGE}`);
  }
  const chosen: BenchProfile[] = quick ? ['many-small'] : profiles.length > 0 ? profiles : ['many-small', 'large'];
  return { profiles: [...new Set(chosen)], tools, write, cpuProfileDir, rounds };
}
