import type { Readable } from 'node:stream';
import type { ReadBufferReleaser } from './read-buffer-pool';

/** The peer closed the stream, or it failed, before the bytes a reader needed arrived. */
export class StreamClosedError extends Error {
  constructor(message: string, readonly causeError?: Error) {
    super(message);
    this.name = 'StreamClosedError';
  }
}

/** No bytes arrived for the read timeout, while a read was waiting for them. */
export class ReadTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Nothing arrived for ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}.`);
    this.name = 'ReadTimeoutError';
  }
}

interface PendingRead {
  readonly size: number;
  /**
   * exact: `size` bytes; some: whatever has arrived (up to `size`); lend: the same, lent rather
   * than copied (lendSome); peek: nothing taken, once `size` are buffered.
   */
  readonly mode: 'exact' | 'some' | 'lend' | 'peek';
  readonly resolve: (bytes: Buffer) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** A big exact read's own buffer, filled as bytes arrive (see GATHER_FROM_BYTES). */
  gathered?: { readonly target: Buffer; filled: number };
}

const HIGH_WATER_BYTES = 8 * 1024 * 1024;
/**
 * Exact reads this big are copied into their result as each piece arrives, rather than kept as
 * pieces and copied at the end. Why: a 64 MiB message otherwise lay in memory twice (the pieces
 * and the copy) before its decode began; over reused read memory the slabs also go back to the
 * pool at once instead of 64 of them being held. Smaller reads keep the cheaper path.
 */
const GATHER_FROM_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Exact-length reads over a stream that delivers arbitrary chunks (TLS especially), so one reader
 * can switch between framed plists and raw DeviceLink/AFC bytes without losing buffered data
 * (protocol.md §8.5). Pauses the stream when the consumer falls behind.
 *
 * Over a socket that reads into reused memory (`readBuffers`, see read-buffer-pool.ts) every
 * consumed byte is given back to the pool, and what the reader hands out is a copy, except the
 * pieces lent to a synchronous callback (`lendBufferedPieces`, `lendSome`).
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: PendingRead | undefined;
  private ended: Error | undefined;
  /** When the last bytes arrived (performance.now()): a timeout counts silence, not the length of a read. */
  private lastDataAt = 0;
  /** While true the idle timeout does not count: the peer is silent because a person must act (holdIdleTimeout). */
  private idleHeld = false;
  private readonly onData = (chunk: Buffer): void => this.push(chunk);
  private readonly onEnd = (): void => this.fail(new StreamClosedError('The connection was closed by the other side.'));
  private readonly onError = (error: Error): void => this.fail(new StreamClosedError(`The connection failed: ${error.message}`, error));

  constructor(
    private stream: Readable,
    private readonly defaultTimeoutMs = 0,
    private readBuffers?: ReadBufferReleaser,
  ) {
    this.attach(stream);
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Reads exactly `size` bytes. `timeoutMs` 0 waits forever. */
  readExactly(size: number, timeoutMs = this.defaultTimeoutMs): Promise<Buffer> {
    if (this.pending) return Promise.reject(new Error('ByteReader: overlapping reads.'));
    if (size === 0) return Promise.resolve(Buffer.alloc(0));
    if (this.buffered >= size) return Promise.resolve(this.take(size));
    if (this.ended) return Promise.reject(this.ended);
    return this.waitFor(size, 'exact', timeoutMs);
  }

  /**
   * Reads between 1 and `max` bytes: what is buffered, as a view of the piece it arrived in
   * (no copy), or the first bytes to arrive. For streaming content through without gathering it.
   */
  readSome(max: number, timeoutMs = this.defaultTimeoutMs): Promise<Buffer> {
    return this.readUpTo(max, 'some', timeoutMs);
  }

  /**
   * readSome, but the bytes are lent to `use`, not copied, even out of reused read memory: for
   * content copied at once into the consumer's own memory (videos). The loan ends when `use`
   * returns (see lendBufferedPieces); resolves to what `use` returned.
   */
  async lendSome<T>(max: number, use: (piece: Buffer) => T, timeoutMs = this.defaultTimeoutMs): Promise<T> {
    const piece = await this.readUpTo(max, 'lend', timeoutMs);
    return this.lend([piece], () => use(piece));
  }

  private readUpTo(max: number, mode: 'some' | 'lend', timeoutMs: number): Promise<Buffer> {
    if (this.pending) return Promise.reject(new Error('ByteReader: overlapping reads.'));
    if (max <= 0) return Promise.resolve(Buffer.alloc(0));
    if (this.buffered > 0) return Promise.resolve(this.take(Math.min(max, (this.chunks[0] as Buffer).length), mode === 'lend'));
    if (this.ended) return Promise.reject(this.ended);
    return this.waitFor(max, mode, timeoutMs);
  }

  /**
   * Waits until at least `size` bytes are buffered, consuming nothing: for a parser that peeks
   * at a record and takes it only once it is whole. The stream is not paused meanwhile.
   */
  async waitForBuffered(size: number, timeoutMs = this.defaultTimeoutMs): Promise<void> {
    if (this.pending) throw new Error('ByteReader: overlapping reads.');
    if (this.buffered >= size) return;
    if (this.ended) throw this.ended;
    await this.waitFor(size, 'peek', timeoutMs);
  }

  /**
   * Stops (true) or restarts (false) the idle timeout of reads: for a silence that is not the
   * peer's failure, such as a phone showing its passcode sheet, which sends nothing until a person
   * types it (protocol.md §3.10). Released, silence is counted afresh from that moment.
   */
  holdIdleTimeout(held: boolean): void {
    this.idleHeld = held;
    this.lastDataAt = performance.now();
  }

  /**
   * Parks the one read in progress until `settle` can answer it (or the timeout or the end). The
   * timeout is an idle time-out: every chunk that arrives restarts it, so a long read over a slow
   * link (a 4 GB video) never times out while bytes flow, and a peer that goes silent in the
   * middle of one is noticed. Silence is counted from when the read started waiting, or from
   * the last chunk if later, never while the consumer was busy and not reading.
   */
  private waitFor(size: number, mode: PendingRead['mode'], timeoutMs: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const pending: PendingRead = { size, mode, resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        const waitingSince = performance.now();
        const check = (): void => {
          if (this.pending !== pending) return;
          if (this.idleHeld) {
            pending.timer = setTimeout(check, timeoutMs);
            return;
          }
          // One timer per read, re-armed for what is left, instead of a reset per chunk.
          const silentFor = performance.now() - Math.max(waitingSince, this.lastDataAt);
          if (silentFor < timeoutMs) {
            pending.timer = setTimeout(check, timeoutMs - silentFor);
            return;
          }
          this.pending = undefined;
          this.ungather(pending);
          reject(new ReadTimeoutError(timeoutMs));
        };
        pending.timer = setTimeout(check, timeoutMs);
      }
      this.pending = pending;
      if (mode === 'exact' && size >= GATHER_FROM_BYTES) {
        pending.gathered = { target: Buffer.allocUnsafe(size), filled: 0 };
        this.settle();
      }
      this.stream.resume();
    });
  }

  async readUInt32BE(timeoutMs?: number): Promise<number> {
    return (await this.readExactly(4, timeoutMs)).readUInt32BE(0);
  }

  /**
   * The byte at `offset` of what is buffered, consuming nothing; undefined while it has not
   * arrived. With peekUInt32BE and takeBuffered, lets a parser handle records that are already
   * complete in memory synchronously (no promise per field), and wait only for the rest.
   */
  peekByte(offset: number): number | undefined {
    if (offset < 0 || offset >= this.buffered) return undefined;
    let skipped = 0;
    for (const chunk of this.chunks) {
      if (offset < skipped + chunk.length) return chunk[offset - skipped];
      skipped += chunk.length;
    }
    return undefined;
  }

  /** A big-endian u32 at `offset` of what is buffered, consuming nothing; undefined while incomplete. */
  peekUInt32BE(offset: number): number | undefined {
    if (offset < 0 || offset + 4 > this.buffered) return undefined;
    const first = this.chunks[0];
    if (first !== undefined && offset + 4 <= first.length) return first.readUInt32BE(offset);
    let value = 0;
    for (let index = 0; index < 4; index += 1) value = value * 256 + (this.peekByte(offset + index) as number);
    return value;
  }

  /** Takes `size` bytes that are already buffered, synchronously. */
  takeBuffered(size: number): Buffer {
    if (this.pending) throw new Error('ByteReader: takeBuffered during a pending read.');
    if (size > this.buffered) throw new Error(`ByteReader: only ${this.buffered} of ${size} bytes are buffered.`);
    return this.take(size);
  }

  /** Drops `size` bytes that are already buffered (record headers already peeked at), allocating nothing. */
  skipBuffered(size: number): void {
    if (this.pending) throw new Error('ByteReader: skipBuffered during a pending read.');
    if (size > this.buffered) throw new Error(`ByteReader: only ${this.buffered} of ${size} bytes are buffered.`);
    let remaining = size;
    while (remaining > 0) {
      const chunk = this.chunks[0] as Buffer;
      const count = Math.min(chunk.length, remaining);
      this.consumeHead(chunk, count);
      remaining -= count;
    }
    this.buffered -= size;
  }

  /** Takes `size` already-buffered bytes as UTF-8 text, decoded where they lie when they sit in one piece. */
  takeBufferedString(size: number): string {
    const first = this.chunks[0];
    if (this.pending || first === undefined || first.length < size) return this.takeBuffered(size).toString('utf8');
    const text = first.toString('utf8', 0, size);
    this.skipBuffered(size);
    return text;
  }

  /**
   * Lends `size` already-buffered bytes to `use` as the pieces they arrived in (views, not
   * copies), for content that is only passed on, so a multi-megabyte block is not gathered into a
   * new buffer. The loan is the synchronous call: when `use` returns the bytes go back to reused
   * read memory (and, in a poisoning pool, are overwritten), so `use` copies what it keeps
   * (the file writer does) and cannot wait for anything while it holds them.
   */
  lendBufferedPieces<T>(size: number, use: (pieces: readonly Buffer[]) => T): T {
    return this.lendBufferedRuns([{ skip: 0, take: size }], use);
  }

  /**
   * lendBufferedPieces for content interleaved with framing: for each run, `skip` bytes are
   * dropped and the next `take` lent, all in one loan (a DeviceLink upload's FILE_DATA blocks
   * between their headers, §3.6.2).
   */
  lendBufferedRuns<T>(runs: readonly { readonly skip: number; readonly take: number }[], use: (pieces: readonly Buffer[]) => T): T {
    if (this.pending) throw new Error('ByteReader: lendBufferedPieces during a pending read.');
    const size = runs.reduce((sum, run) => sum + run.skip + run.take, 0);
    if (size > this.buffered) throw new Error(`ByteReader: only ${this.buffered} of ${size} bytes are buffered.`);
    const pieces: Buffer[] = [];
    for (const run of runs) {
      this.skipBuffered(run.skip);
      let remaining = run.take;
      while (remaining > 0) {
        const chunk = this.chunks[0] as Buffer;
        const count = Math.min(chunk.length, remaining);
        pieces.push(count === chunk.length ? chunk : chunk.subarray(0, count));
        // Released when the loan ends (lend): a lent slab is not read into meanwhile.
        this.consumeHead(chunk, count, false);
        remaining -= count;
      }
      this.buffered -= run.take;
    }
    return this.lend(pieces, () => use(pieces));
  }

  /** Runs `use` while `pieces` (consumed, not yet released) are lent; then ends the loan and releases them. */
  private lend<T>(pieces: readonly Buffer[], use: () => T): T {
    try {
      return use();
    } finally {
      this.readBuffers?.endLoan(pieces);
      for (const piece of pieces) this.readBuffers?.release(piece, piece.length);
    }
  }

  /**
   * Stops reading from the current stream and hands back what was buffered, for a TLS upgrade
   * on the same socket (protocol.md §2.6) or a usbmuxd socket turning into a tunnel (§1.3).
   */
  detach(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    const rest = this.take(this.buffered);
    return rest;
  }

  /** Continues on a new stream (for example the TLS socket wrapping the old one), whose chunks are its own. */
  reattach(stream: Readable): void {
    this.stream = stream;
    this.readBuffers = undefined;
    this.ended = undefined;
    this.attach(stream);
  }

  private attach(stream: Readable): void {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  private push(chunk: Buffer): void {
    if (this.pending?.timer !== undefined) this.lastDataAt = performance.now();
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.settle();
    if (this.buffered > HIGH_WATER_BYTES && !this.pending) this.stream.pause();
  }

  private settle(): void {
    const pending = this.pending;
    if (pending?.gathered) {
      this.gather(pending.gathered, pending.size);
      if (pending.gathered.filled < pending.size) return;
      this.pending = undefined;
      if (pending.timer) clearTimeout(pending.timer);
      pending.resolve(pending.gathered.target);
      return;
    }
    const upTo = pending?.mode === 'some' || pending?.mode === 'lend';
    if (pending && (this.buffered >= pending.size || (upTo && this.buffered > 0))) {
      this.pending = undefined;
      if (pending.timer) clearTimeout(pending.timer);
      if (pending.mode === 'peek') pending.resolve(EMPTY);
      else pending.resolve(this.take(upTo ? Math.min(pending.size, (this.chunks[0] as Buffer).length) : pending.size, pending.mode === 'lend'));
    }
  }

  /** Moves buffered bytes into a big exact read's own buffer, giving their pieces back. */
  private gather(gathered: NonNullable<PendingRead['gathered']>, size: number): void {
    while (gathered.filled < size && this.chunks.length > 0) {
      const chunk = this.chunks[0] as Buffer;
      const count = Math.min(chunk.length, size - gathered.filled);
      chunk.copy(gathered.target, gathered.filled, 0, count);
      gathered.filled += count;
      this.buffered -= count;
      this.consumeHead(chunk, count);
    }
  }

  /** A big read that will not finish (timeout, end) puts what it gathered back in front, as if never taken. */
  private ungather(pending: PendingRead): void {
    const gathered = pending.gathered;
    if (!gathered || gathered.filled === 0) return;
    this.chunks.unshift(gathered.target.subarray(0, gathered.filled));
    this.buffered += gathered.filled;
    gathered.filled = 0;
  }

  private fail(error: Error): void {
    if (this.ended) return;
    this.ended = error;
    const pending = this.pending;
    if (pending) {
      this.ungather(pending);
      this.pending = undefined;
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  /**
   * `size` bytes off the front: a view when they sit in one chunk the reader owns (or `lend` says
   * the caller copies them before waiting), else a copy.
   */
  private take(size: number, lend = false): Buffer {
    if (size === 0) return Buffer.alloc(0);
    const first = this.chunks[0] as Buffer;
    let result: Buffer;
    if (first.length >= size && (lend || this.readBuffers?.owns(first) !== true)) {
      result = first.subarray(0, size);
      // A lent view is released when its loan ends (lend), not now.
      this.consumeHead(first, size, !lend);
    } else {
      result = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const chunk = this.chunks[0] as Buffer;
        const count = Math.min(chunk.length, size - filled);
        chunk.copy(result, filled, 0, count);
        filled += count;
        this.consumeHead(chunk, count);
      }
    }
    this.buffered -= size;
    return result;
  }

  /** Drops `count` bytes of the first chunk (`chunk`), giving reused read memory back unless they are being lent. */
  private consumeHead(chunk: Buffer, count: number, release = true): void {
    if (count === chunk.length) this.chunks.shift();
    else this.chunks[0] = chunk.subarray(count);
    if (release) this.readBuffers?.release(chunk, count);
  }
}
