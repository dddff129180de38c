/**
 * What the window may navigate to and open (docs/architecture.md "electron"): nothing but our own
 * origin inside the window; a few https help pages in the person's own browser; everything else
 * refused. Plain Node, so the rules are unit-tested.
 */
import { isAppUrl } from './app-origin';

/** Hosts whose https pages a link in the app may open in the OS browser (help and source pages). */
const EXTERNAL_LINK_HOSTS: readonly string[] = ['support.apple.com', 'github.com', 'libimobiledevice.org'];

/** In-window navigation: only our own pages (the app is one page; anything else is an attack or a bug). */
export function isNavigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/**
 * The URL to hand to the OS browser for a link that asked for a new window, or undefined to drop
 * it. https only, no credentials in the URL, host exactly on the allowlist (subdomains are not).
 */
export function externalLinkFor(url: string, allowedHosts: readonly string[] = EXTERNAL_LINK_HOSTS): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return undefined;
  if (!allowedHosts.includes(parsed.hostname.toLowerCase())) return undefined;
  return parsed.toString();
}
