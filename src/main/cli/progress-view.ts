// The types every CLI progress renderer shares, apart from the factory that picks one (which
// imports them all), so the renderers and the factory do not import each other.

/**
 * One moment of a long job (backup, restore, extract, import) as every CLI progress renderer
 * understands it; commands map their engine's events onto it.
 */
export interface ProgressView {
  /** 0–100. */
  readonly percent: number;
  readonly filesDone: number;
  readonly filesTotal?: number;
  readonly bytesDone: number;
  readonly bytesTotal?: number;
  readonly bytesPerSecond?: number;
  readonly etaSeconds?: number;
  /** What is being worked on now: a domain (`HomeDomain`), a file name… */
  readonly current?: string;
  /** A word for the stage (`preparing`, `transferring`, `done`); a change is always shown. */
  readonly phase?: string;
  /**
   * While the job waits for the person: what to do, in the app's words (`WAIT_SENTENCES`), shown
   * instead of the numbers, which do not move meanwhile. A change is always shown.
   */
  readonly waiting?: string;
}

export interface ProgressRenderer {
  /** Shows (or, throttled, skips) one event; `details` go into the JSON event as they are. */
  update(view: ProgressView, details?: object): void;
  /** Finishes the display (the terminal line ends with a newline); safe to call twice. */
  end(): void;
}
