import { AfcStatus, AfcStatusError } from './afc-protocol';

/**
 * AFC's jail is /var/mobile/Media (protocol.md §4.5). The same files live in backup domains
 * (§5.8), so AFC paths map onto phone entries:
 *   /DCIM/…, /PhotoData/…  → CameraRollDomain  Media/DCIM/…, Media/PhotoData/…
 *   /Books/…               → BooksDomain       …            (its root is Media/Books)
 *   /anything else         → MediaDomain       Media/…
 * The jail root itself is a merged view of those.
 */
export interface PhoneLocation {
  readonly domain: string;
  readonly relativePath: string;
}

export type AfcTarget = { readonly root: true; readonly path: '/' } | ({ readonly root: false; readonly path: string } & PhoneLocation);

/** Names the root shows that come from domains other than MediaDomain. */
export const ROOT_MOUNTS: readonly { readonly name: string; readonly location: PhoneLocation }[] = [
  { name: 'Books', location: { domain: 'BooksDomain', relativePath: '' } },
  { name: 'DCIM', location: { domain: 'CameraRollDomain', relativePath: 'Media/DCIM' } },
  { name: 'PhotoData', location: { domain: 'CameraRollDomain', relativePath: 'Media/PhotoData' } },
];

export const MEDIA_ROOT: PhoneLocation = { domain: 'MediaDomain', relativePath: 'Media' };

/** Normalises an AFC path (`.`/`..`, doubled slashes); `..` above the jail is refused. */
export function normaliseAfcPath(raw: string): string[] {
  if (raw.includes('\u0000')) throw new AfcStatusError(AfcStatus.InvalidArg, 'Paths cannot contain NUL bytes.');
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new AfcStatusError(AfcStatus.PermDenied, `"${raw}" points outside the media folder AFC may reach.`);
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts;
}

export function resolveAfcPath(raw: string): AfcTarget {
  const parts = normaliseAfcPath(raw);
  const path = `/${parts.join('/')}`;
  const [first, ...rest] = parts;
  if (first === undefined) return { root: true, path: '/' };
  const mount = ROOT_MOUNTS.find((m) => m.name === first);
  if (mount) {
    const below = rest.join('/');
    const base = mount.location.relativePath;
    const relativePath = below === '' ? base : base === '' ? below : `${base}/${below}`;
    return { root: false, path, domain: mount.location.domain, relativePath };
  }
  return { root: false, path, domain: MEDIA_ROOT.domain, relativePath: `${MEDIA_ROOT.relativePath}/${parts.join('/')}` };
}

/** The parent location of a non-root target (the root when it sits directly in the jail). */
export function parentOf(target: AfcTarget): AfcTarget {
  if (target.root) return target;
  const cut = target.path.lastIndexOf('/');
  return resolveAfcPath(cut <= 0 ? '/' : target.path.slice(0, cut));
}
