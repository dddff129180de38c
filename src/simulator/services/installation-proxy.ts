import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  ByteReader,
  encodePlist,
  encodePlistFrame,
  isPlistDict,
  plistArrayOf,
  plistDictOf,
  plistString,
  readPlistFrame,
  type PlistDict,
  type PlistValue,
} from '../../main/device/codec';
import type { PhoneApp } from '../phone/phone-model';
import type { ServiceContext, ServiceHandler } from '../device/service-context';

const MAX_REQUEST_BYTES = 256 * 1024;
/** Real devices send the browse result in pages; a small page exercises the host's loop. */
const APPS_PER_PAGE = 10;

/** Everything the device knows about one app, as installation_proxy attribute names (§2.9). */
function appAttributes(app: PhoneApp): PlistDict {
  return {
    ApplicationType: 'User',
    CFBundleDisplayName: app.name,
    CFBundleExecutable: app.name.replace(/[^A-Za-z0-9]/g, ''),
    CFBundleIdentifier: app.bundleId,
    CFBundleName: app.name,
    CFBundleShortVersionString: app.version,
    CFBundleVersion: app.version,
    Container: app.bundlePath.replace('/Bundle/Application/', '/Data/Application/').replace(/\/[^/]+\.app$/, ''),
    Path: app.bundlePath,
    // Stand-ins for the App Store DRM info and metadata that Info.plist "Applications" carries.
    ApplicationSINF: createHash('sha256').update(`sinf:${app.bundleId}`).digest(),
    // The keys of a real iTunesMetadata.plist that name the app, as backup readers show them.
    iTunesMetadata: encodePlist({
      itemName: app.name, bundleDisplayName: app.name, artistName: `${app.name} Inc.`, genre: 'Utilities',
      bundleShortVersionString: app.version, bundleVersion: app.version, softwareVersionBundleId: app.bundleId, kind: 'software',
    }, 'xml'),
  };
}

function pick(attributes: PlistDict, wanted: readonly PlistValue[] | undefined): PlistDict {
  if (!wanted) return attributes;
  const names = new Set(wanted.filter((name): name is string => typeof name === 'string'));
  names.add('CFBundleIdentifier');
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => names.has(name)));
}

/**
 * com.apple.mobile.installation_proxy, only Browse (protocol.md §2.9): the phone's user apps in
 * BrowsingProgress pages, then Complete. Enough for the "Installed Applications" of Info.plist.
 */
export const serveInstallationProxy: ServiceHandler = (socket: Duplex, context: ServiceContext) => {
  const reader = new ByteReader(socket);
  const send = (reply: PlistDict): void => {
    if (!socket.destroyed) socket.write(encodePlistFrame(reply, 'xml'));
  };
  void (async () => {
    try {
      for (;;) {
        const request = await readPlistFrame(reader, MAX_REQUEST_BYTES);
        if (!isPlistDict(request)) continue;
        const command = plistString(request.Command);
        if (command !== 'Browse') {
          send({ Status: 'Complete', Error: 'UnknownCommand', ErrorDescription: `The simulator does not implement ${command ?? 'that command'}.` });
          continue;
        }
        const options = plistDictOf(request.ClientOptions);
        const type = plistString(options?.ApplicationType) ?? 'Any';
        const wanted = plistArrayOf(options?.ReturnAttributes);
        // Every generated app is a user app; a request for System apps gets an empty list.
        const apps = type === 'System' ? [] : context.phone.apps().map((app) => pick(appAttributes(app), wanted));
        for (let index = 0; index < apps.length; index += APPS_PER_PAGE) {
          const page = apps.slice(index, index + APPS_PER_PAGE);
          send({ Status: 'BrowsingProgress', CurrentIndex: index, CurrentAmount: page.length, Total: apps.length, CurrentList: page, PercentComplete: Math.round(((index + page.length) * 100) / apps.length) });
        }
        send({ Status: 'Complete' });
      }
    } catch {
      // The host hung up.
    }
  })();
};
