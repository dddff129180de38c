import { describe, expect, it } from 'vitest';
import { type PlistValue, PlistReal, decodePlist, encodePlist } from '../codec';
import { EMPTY_PARAMETER_STRING, buildStatusResponse, parseDeviceLinkMessage } from './device-link-messages';
import { ServiceError } from './service-error';

/** Parses after a trip through binary encoding, as the message would arrive (§3.1). */
function parseWire(value: PlistValue): ReturnType<typeof parseDeviceLinkMessage> {
  return parseDeviceLinkMessage(decodePlist(encodePlist(value, 'binary')));
}

describe('parseDeviceLinkMessage (§3.5)', () => {
  it('reads the observed DownloadFiles shapes with their progress', () => {
    const message = parseWire(['DLMessageDownloadFiles', ['U/Status.plist'], { DLDeviceIOCallbacks: 400508120 }, 97.010055, 0]);
    expect(message).toMatchObject({ kind: 'DLMessageDownloadFiles', paths: ['U/Status.plist'], progress: 97.010055 });
    expect(parseWire(['DLMessageDownloadFiles', [], {}, 0, 0])).toMatchObject({ paths: [], progress: 0 });
  });

  it('reads UploadFiles progress at index 2 and the size hint at 3', () => {
    expect(parseWire(['DLMessageUploadFiles', {}, 0.9797, 123456])).toMatchObject({ kind: 'DLMessageUploadFiles', progress: 0.9797, totalSizeHint: 123456 });
    expect(parseWire(['DLMessageUploadFiles', {}])).toMatchObject({ progress: undefined, totalSizeHint: undefined });
  });

  it('reads both spellings of moves and removes', () => {
    for (const kind of ['DLMessageMoveItems', 'DLMessageMoveFiles'] as const) {
      expect(parseWire([kind, { 'U/Snapshot/Manifest.db': 'U/Manifest.db' }, {}, 99.5])).toMatchObject({
        kind,
        moves: [{ from: 'U/Snapshot/Manifest.db', to: 'U/Manifest.db' }],
        progress: 99.5,
      });
    }
    for (const kind of ['DLMessageRemoveItems', 'DLMessageRemoveFiles'] as const) {
      expect(parseWire([kind, ['U/Snapshot'], {}, new PlistReal(100)])).toMatchObject({ kind, paths: ['U/Snapshot'], progress: 100 });
    }
  });

  it('reads directory, copy, disk space and disconnect messages', () => {
    expect(parseWire(['DLMessageCreateDirectory', 'U/Snapshot'])).toMatchObject({ kind: 'DLMessageCreateDirectory', path: 'U/Snapshot' });
    expect(parseWire(['DLContentsOfDirectory', 'U'])).toMatchObject({ kind: 'DLContentsOfDirectory', path: 'U' });
    expect(parseWire(['DLMessageCopyItem', 'U', 'U-20250101-120000'])).toMatchObject({ source: 'U', destination: 'U-20250101-120000' });
    expect(parseWire(['DLMessageGetFreeDiskSpace'])).toMatchObject({ kind: 'DLMessageGetFreeDiskSpace' });
    expect(parseWire(['DLMessagePurgeDiskSpace', 26418026591, 4])).toMatchObject({ bytesWanted: 26418026591, urgency: 4 });
    expect(parseWire(['DLMessageDisconnect', EMPTY_PARAMETER_STRING])).toMatchObject({ kind: 'DLMessageDisconnect', reason: undefined });
    expect(parseWire(['DLMessageDisconnect', 'bye'])).toMatchObject({ reason: 'bye' });
  });

  it('reads the final ProcessMessage dict and the handshake messages', () => {
    const final = parseWire(['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 208, ErrorDescription: 'Device locked (MBErrorDomain/208)' }]);
    expect(final).toMatchObject({ kind: 'DLMessageProcessMessage', message: { ErrorCode: 208 } });
    expect(parseWire(['DLMessageVersionExchange', 400, 0])).toMatchObject({ kind: 'DLMessageVersionExchange', major: 400, minor: 0 });
    expect(parseWire(['DLMessageDeviceReady'])).toMatchObject({ kind: 'DLMessageDeviceReady' });
  });

  it('keeps unknown DL messages instead of failing', () => {
    expect(parseWire(['DLMessageSomethingNew', 1])).toMatchObject({ kind: 'unknown', name: 'DLMessageSomethingNew', raw: ['DLMessageSomethingNew', 1] });
  });

  it.each<[string, PlistValue]>([
    ['not an array', { MessageName: 'Hello' }],
    ['no DL name', ['Hello']],
    ['a short DL name', ['DLMsg']],
    ['download paths that are not strings', ['DLMessageDownloadFiles', [1, 2]]],
    ['a move destination that is not a path', ['DLMessageMoveItems', { a: 5 }]],
    ['a ProcessMessage without dict', ['DLMessageProcessMessage', 'x']],
    ['a CopyItem without destination', ['DLMessageCopyItem', 'a']],
    ['a version exchange without major', ['DLMessageVersionExchange']],
  ])('rejects %s as a protocol error', (_label, value) => {
    expect(() => parseDeviceLinkMessage(value)).toThrow(ServiceError);
    try {
      parseDeviceLinkMessage(value);
    } catch (error) {
      expect((error as ServiceError).code).toBe('protocol');
    }
  });
});

describe('buildStatusResponse (§3.6)', () => {
  it('fills absent parts with the empty-parameter string and keeps negative codes', () => {
    expect(buildStatusResponse(0)).toEqual(['DLMessageStatusResponse', 0, EMPTY_PARAMETER_STRING, EMPTY_PARAMETER_STRING]);
    const multi = buildStatusResponse(-13, 'Multi status', { 'U/a': { DLFileErrorString: 'No such file or directory', DLFileErrorCode: -6 } });
    expect(decodePlist(encodePlist(multi, 'binary'))).toEqual(multi);
  });
});
