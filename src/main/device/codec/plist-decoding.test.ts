import { describe, expect, it } from 'vitest';
import { decodePlist } from './plist';
import { PlistShapeError, PlistUid, plistInteger } from './plist-value';

describe('decodePlist', () => {
  it('reads Apple-style XML with DOCTYPE, comments, entities, empty elements and CF$UID', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<!-- a comment -->
<dict>
	<key>Request</key><string>QueryType</string>
	<key>Name</key><string>A &amp; B &lt;3 &#x263A;</string>
	<key>Empty</key><string/>
	<key>List</key><array/>
	<key>Nothing</key><dict/>
	<key>Yes</key><true/>
	<key>Date</key><date>2021-12-03T10:00:00Z</date>
	<key>Real</key><real>2.1</real>
	<key>Data</key><data>
	aGVs
	bG8=
	</data>
	<key>Ref</key><dict><key>CF$UID</key><integer>5</integer></dict>
</dict>
</plist>`;
    expect(decodePlist(Buffer.from(xml))).toEqual({
      Request: 'QueryType',
      Name: 'A & B <3 ☺',
      Empty: '',
      List: [],
      Nothing: {},
      Yes: true,
      Date: new Date('2021-12-03T10:00:00Z'),
      Real: 2.1,
      Data: Buffer.from('hello'),
      Ref: new PlistUid(5),
    });
  });

  it('blanks control characters the way iOS 4.3+ workarounds expect (§0.1)', () => {
    const xml = '<plist><dict><key>k</key><string>a\x01b</string></dict></plist>';
    expect(decodePlist(Buffer.from(xml))).toEqual({ k: 'a b' });
  });

  it('reinterprets unsigned 64-bit status numbers as the negative codes they are', () => {
    expect(plistInteger(18446744073709551603n)).toBe(-13);
    expect(plistInteger(-6)).toBe(-6);
    expect(plistInteger(4294967283n)).toBe(4294967283);
  });

  it.each([
    ['empty input', ''],
    ['not a plist', 'hello world'],
    ['truncated XML', '<plist><dict><key>a</key>'],
    ['unknown element', '<plist><foo/></plist>'],
    ['bad integer', '<plist><integer>12x</integer></plist>'],
    ['dict without key', '<plist><dict><string>a</string></dict></plist>'],
    ['bad date', '<plist><date>yesterday</date></plist>'],
    ['truncated binary', 'bplist00\xd1\x01\x02'],
  ])('refuses %s with a PlistShapeError', (_name, text) => {
    expect(() => decodePlist(Buffer.from(text, 'latin1'))).toThrow(PlistShapeError);
  });

  it('refuses pathologically deep XML instead of overflowing the stack', () => {
    const xml = `<plist>${'<array>'.repeat(5000)}${'</array>'.repeat(5000)}</plist>`;
    expect(() => decodePlist(Buffer.from(xml))).toThrow(PlistShapeError);
  });
});
