import type { WholeFileWriter } from '../../src/main/backup/store';

/** What a test changes about a writer: its own write or rename, and a failure of its own making. */
interface WriterChanges {
  readonly write?: WholeFileWriter['write'];
  readonly rename?: WholeFileWriter['rename'];
  /** A failure the test injected, reported after the real writer's own. */
  readonly injectedFailure?: () => Error | undefined;
}

/**
 * A WholeFileWriter that hands everything to `real` except what `changes` replaces: the one place
 * tests watch the engine's writes and renames or inject a fault into them (engine-faults, engine-moves).
 */
export function wrapWriter(real: WholeFileWriter, changes: WriterChanges = {}): WholeFileWriter {
  return {
    write: changes.write ?? ((target, content) => real.write(target, content)),
    rename: changes.rename ?? ((from, to) => real.rename(from, to)),
    isPending: (target) => real.isPending(target),
    get failure() {
      return real.failure ?? changes.injectedFailure?.();
    },
    get filesWritten() {
      return real.filesWritten;
    },
    get bytesWritten() {
      return real.bytesWritten;
    },
    settle: () => real.settle(),
    close: () => real.close(),
  };
}
