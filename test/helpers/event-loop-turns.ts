/**
 * Runs `work` and counts the turns of the event loop (immediates) until it settles: a test that
 * long work lets the loop run, without timing anything. `onTurn` sees each turn's number as it comes.
 */
export async function turnsDuring<T>(work: () => Promise<T>, onTurn?: (turn: number) => void): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    turns += 1;
    onTurn?.(turns);
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const value = await work();
    return { value, turns };
  } finally {
    done = true;
  }
}
