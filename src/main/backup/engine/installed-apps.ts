import { type PlistDict, encodePlistFrame, isPlistDict, plistArrayOf, plistString, readPlistFrame } from '../../device/codec';
import { type ServiceChannel, writeToChannel } from '../../device/services';

/** installation_proxy (protocol.md §2.9): only what Info.plist needs. */
export const INSTALLATION_PROXY_SERVICE = 'com.apple.mobile.installation_proxy';

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
