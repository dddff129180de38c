import type { PreparedMessage } from '../../device/services';

/**
 * The answer to the content-folder listing the phone asks for next, made while it is busy with
 * the one before: an incremental backup lists `U/00` … `U/ff` one request at a time (protocol.md
 * §7.2 step 3), with ~3 ms of the phone's own work between them, and building and encoding a
 * 400-entry answer took ~1 ms of the host's, which the phone then waited for. The answer is made
 * right after the previous one was sent, inside that request, so nothing can come between it and
 * the next request but that request itself. It is used only if that request is the listing it was
 * made for: the DL loop hands every request to `startRequest` first, which keeps it for that
 * listing and drops it for anything else, so it always says what a listing made then would say.
 */
export class ListingAhead {
  private made: { readonly devicePath: string; readonly answer: PreparedMessage } | undefined;
  private current: PreparedMessage | undefined;

  /** A new request arrived (drive-loop.ts): the answer made ahead is this request's, or nobody's. */
  startRequest(request: { readonly kind: string; readonly path?: string }): void {
    const made = this.made;
    this.made = undefined;
    this.current = made !== undefined && request.kind === 'DLContentsOfDirectory' && request.path === made.devicePath ? made.answer : undefined;
  }

  /** The answer made ahead for the request being served, once. */
  takeAnswer(): PreparedMessage | undefined {
    const answer = this.current;
    this.current = undefined;
    return answer;
  }

  /** Keeps `answer` for a listing of `devicePath` as the very next request. */
  madeFor(devicePath: string, answer: PreparedMessage): void {
    this.made = { devicePath, answer };
  }
}

/** The content folder after `devicePath`'s (`U/0a` → `U/0b`), or undefined (`U/ff`, or not a content folder). */
export function nextContentFolder(devicePath: string): string | undefined {
  const match = /^(.+)\/([0-9a-f]{2})$/.exec(devicePath);
  if (match === null) return undefined;
  const next = Number.parseInt(match[2] as string, 16) + 1;
  return next < 256 ? `${match[1] as string}/${next.toString(16).padStart(2, '0')}` : undefined;
}
