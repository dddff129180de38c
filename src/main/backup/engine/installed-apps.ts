import { type PlistDict, encodePlistFrame, isPlistDict, plistArrayOf, plistData, plistString, readPlistFrame } from '../../device/codec';
import { type ServiceChannel, writeToChannel } from '../../device/services';

/** installation_proxy and springboardservices (protocol.md §2.9): only what Info.plist needs. */
export const INSTALLATION_PROXY_SERVICE = 'com.apple.mobile.installation_proxy';
export const SPRINGBOARD_SERVICE = 'com.apple.springboardservices';
const ICON_TIMEOUT_MS = 10_000;
const MAX_ICON_BYTES = 4 * 1024 * 1024;

/** A Browse reply page is a few hundred KB at most; anything bigger is refused. */
const MAX_REPLY_BYTES = 32 * 1024 * 1024;
const BROWSE_TIMEOUT_MS = 30_000;

/**
 * The user apps, with the attributes Info.plist's `Applications` dict carries (§5.3). A Browse
 * request answered in `BrowsingProgress` pages until `Complete`. Kept here rather than as a
 * services client because the backup is its only user.
 */
export async function browseUserApps(channel: ServiceChannel): Promise<PlistDict[]> {
  await writeToChannel(
    channel,
    encodePlistFrame(
      {
        Command: 'Browse',
        ClientOptions: { ApplicationType: 'User', ReturnAttributes: ['CFBundleIdentifier', 'ApplicationSINF', 'iTunesMetadata'] },
      },
      'xml',
    ),
  );
  const apps: PlistDict[] = [];
  for (;;) {
    const reply = await readPlistFrame(channel.reader, MAX_REPLY_BYTES, BROWSE_TIMEOUT_MS);
    if (!isPlistDict(reply)) break;
    if (reply.Error !== undefined) break;
    for (const app of plistArrayOf(reply.CurrentList) ?? []) if (isPlistDict(app) && plistString(app.CFBundleIdentifier)) apps.push(app);
    if (plistString(reply.Status) === 'Complete') break;
  }
  return apps;
}

/** The home-screen icons (PNG) of the given apps: Info.plist `PlaceholderIcon` (§5.3). Apps without one are left out. */
export async function fetchAppIcons(channel: ServiceChannel, bundleIds: readonly string[]): Promise<Map<string, Buffer>> {
  const icons = new Map<string, Buffer>();
  for (const bundleId of bundleIds) {
    await writeToChannel(channel, encodePlistFrame({ command: 'getIconPNGData', bundleId }, 'binary'));
    const reply = await readPlistFrame(channel.reader, MAX_ICON_BYTES, ICON_TIMEOUT_MS);
    const png = isPlistDict(reply) ? plistData(reply.pngData) : undefined;
    if (png && png.length > 0) icons.set(bundleId, png);
  }
  return icons;
}
