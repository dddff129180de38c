import { PassThrough } from 'node:stream';
import { ByteReader } from '../../codec';

/** A ByteReader over bytes that have all arrived: a unit test's recorded or hand-made stream, ended after them. */
export function readerOver(bytes: Buffer): ByteReader {
  const stream = new PassThrough();
  const reader = new ByteReader(stream);
  stream.end(bytes);
  return reader;
}
