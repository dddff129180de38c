/**
 * Time and memory of decoding one large or hostile property list (docs/dependencies.md quotes it).
 *
 *   node --import tsx bench/plist-decode.ts write <shape> [binary|xml] <file>
 *   node --expose-gc --import tsx bench/plist-decode.ts decode <file> [codec folder]
 *
 * Writing and decoding run in separate processes, so the decode is measured on a clean heap.
 * Shapes: `paths` (a 64 MiB DLMessageRemoveItems of backup paths), `multistatus` (a 64 MiB
 * multi-status dict), `tiny` (64 MiB of one short string repeated, the most values per byte), `data` (one 64 MiB data value), `laughs` (a ~200-byte bplist whose arrays
 * each refer twice to the next, `LAUGHS_DEPTH` levels, default 24). The codec folder defaults to this
 * tree's; point it at another checkout's `src/main/device/codec` to compare.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PlistValue } from '../src/main/device/codec';

type Codec = typeof import('../src/main/device/codec');

const MIB = 1024 * 1024;
const [command, first = '', second = '', third = ''] = process.argv.slice(2);
const shape = first;
const format = second;
const target = 64 * MIB;

function messageOfShape(): PlistValue {
  if (shape === 'paths') {
    const paths: string[] = [];
    for (let size = 0, i = 0; size < target * 0.9; i += 1) {
      const entry = `00008030-001A2B3C4D5E6F70/Snapshot/${(i % 256).toString(16).padStart(2, '0')}/${i.toString(16).padStart(40, '0')}`;
      paths.push(entry);
      size += entry.length + 10;
    }
    return ['DLMessageRemoveItems', paths, {}, 10.5, 0];
  }
  if (shape === 'multistatus') {
    const failures: Record<string, PlistValue> = {};
    for (let size = 0, i = 0; size < target * 0.9; i += 1) {
      failures[`00008030-001A2B3C4D5E6F70/Snapshot/${i.toString(16).padStart(40, '0')}`] = { DLFileErrorString: 'No such file or directory', DLFileErrorCode: -6 };
      size += 120;
    }
    return ['DLMessageStatusResponse', -13, 'Multi status', failures];
  }
  if (shape === 'tiny') {
    // One short string repeated: 4 bytes a reference in binary (the writer shares strings), 19 in XML.
    return Array.from({ length: Math.floor(target / (format === 'xml' ? 20 : 4.2)) }, () => 'a');
  }
  if (shape === 'data') return ['DLMessageProcessMessage', { MessageName: 'Response', Blob: Buffer.alloc(target - 256, 7) }];
  throw new Error(`unknown shape ${shape}`);
}

/** Objects 0..depth-1 are arrays [next, next]; object `depth` is a string. */
function billionLaughs(depth: number): Buffer {
  const objects = [...Array.from({ length: depth }, (_, i) => Buffer.from([0xa2, i + 1, i + 1])), Buffer.from('5168', 'hex')];
  const offsets: number[] = [];
  let position = 8;
  for (const object of objects) {
    offsets.push(position);
    position += object.length;
  }
  const trailer = Buffer.alloc(32);
  trailer[6] = 1;
  trailer[7] = 1;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(position), 24);
  return Buffer.concat([Buffer.from('bplist00'), ...objects, Buffer.from(offsets), trailer]);
}

if (command === 'write') {
  const codec = (await import('../src/main/device/codec')) as Codec;
  const bytes = shape === 'laughs'
    ? billionLaughs(Number(process.env.LAUGHS_DEPTH ?? 24))
    : second === 'xml' ? codec.encodeXmlPlist(messageOfShape()) : codec.encodeBinaryPlist(messageOfShape());
  await writeFile(third, bytes);
  process.exit(0);
}
const codecFolder = second || path.resolve(import.meta.dirname, '../src/main/device/codec');
const codec = (await import(pathToFileURL(path.join(codecFolder, 'index.ts')).href)) as Codec;
const bytes = await readFile(first);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
gc();
const before = process.memoryUsage();
let peakRss = before.rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
const started = performance.now();
const cpuBefore = process.cpuUsage();
let outcome = 'decoded';
let value: PlistValue | undefined;
try {
  value = codec.decodePlist(bytes);
} catch (error) {
  outcome = (error as Error).message;
}
const ms = Math.round(performance.now() - started);
const cpu = process.cpuUsage(cpuBefore);
const after = process.memoryUsage();
peakRss = Math.max(peakRss, after.rss);
clearInterval(sampler);
gc();
const retained = process.memoryUsage();
console.log(JSON.stringify({
  file: path.basename(first),
  inputMiB: +(bytes.length / MIB).toFixed(2),
  outcome: outcome.slice(0, 120),
  wallMs: ms,
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  heapGrowthMiB: Math.round((after.heapUsed - before.heapUsed) / MIB),
  retainedHeapMiB: Math.round((retained.heapUsed - before.heapUsed) / MIB),
  peakRssGrowthMiB: Math.round((peakRss - before.rss) / MIB),
}));
void value;
