import type { Duplex } from 'node:stream';
import { ByteReader, encodePlistFrame, isPlistDict, plistString, readPlistFrame } from '../../main/device/codec';
import type { ServiceContext, ServiceHandler } from '../device/service-context';

const MAX_REQUEST_BYTES = 64 * 1024;

/** A valid 1×1 PNG: hosts only store app icons in Info.plist, they do not look at them. */
const PLACEHOLDER_ICON_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * com.apple.springboardservices, only getIconPNGData (protocol.md §2.9; binary plists with
 * lower-case keys). Unknown requests get an empty dict so a host never waits forever.
 */
export const serveSpringboardServices: ServiceHandler = (socket: Duplex, context: ServiceContext) => {
  const reader = new ByteReader(socket);
  void (async () => {
    try {
      for (;;) {
        const request = await readPlistFrame(reader, MAX_REQUEST_BYTES);
        if (!isPlistDict(request) || socket.destroyed) continue;
        if (plistString(request.command) === 'getIconPNGData') {
          const bundleId = plistString(request.bundleId);
          const known = context.phone.apps().some((app) => app.bundleId === bundleId);
          socket.write(encodePlistFrame(known ? { pngData: PLACEHOLDER_ICON_PNG } : {}, 'binary'));
        } else {
          socket.write(encodePlistFrame({}, 'binary'));
        }
      }
    } catch {
      // The host hung up.
    }
  })();
};
