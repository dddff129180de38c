import type { GeneratorName } from './content/content-spec';
import type { GeneratedFile } from './generated-file';
import type { PhoneApp } from './phone-model';
import type { SeededRandom } from './seeded-random';

/** Makes one generated regular file (the generator's DomainWriter.file). */
export type MakeFile = (domain: string, relativePath: string, generator: GeneratorName, options: { readonly size: number }) => GeneratedFile;

/** Months a media folder covers: the four years the generator spreads dates over. */
const MONTH_FOLDERS = 48;
/** A hashed object store's first level (two hex digits), as git and Signal's attachment store use. */
const OBJECT_BUCKETS = 256;

/**
 * An app container's files laid out as real apps leave them (protocol.md §5.8), for the `huge`
 * profile: most of a phone's hundreds of thousands of files are caches and stores apps keep by
 * themselves, not documents a person made. Per app, in path order within each folder:
 * - `Library/Caches/<bundleId>/fsCachedData/<UUID>`: URLSession's HTTP cache, one flat folder of
 *   thousands of small files (the large folder a browser must page through);
 * - `Library/Application Support/<App>/objects/<xx>/<38 hex>`: a content-addressed store;
 * - `Documents/<App> Media/<yyyy-mm>/<name>.jpg`: media kept by month;
 * - `Library/Caches/com.hackemist.SDImageCache/default/<32 hex>.png`: an image cache.
 * Names come from the app's own random stream, so the same seed gives the same paths; contents
 * are described, not built (generated when read).
 */
export function* appDataFiles(make: MakeFile, random: SeededRandom, app: PhoneApp, count: number, bytes: readonly [number, number]): Generator<GeneratedFile> {
  const domain = `AppDomain-${app.bundleId}`;
  const appFolder = app.name.replace(/[^A-Za-z0-9]/g, '') || 'App';
  const size = (): { size: number } => ({ size: random.int(bytes[0], bytes[1]) });
  const httpCache = Math.floor(count * 0.4);
  const objects = Math.floor(count * 0.3);
  const media = Math.floor(count * 0.15);
  const images = count - httpCache - objects - media;
  for (let i = 0; i < httpCache; i++) {
    yield make(domain, `Library/Caches/${app.bundleId}/fsCachedData/${random.uuid()}`, 'random', size());
  }
  for (let i = 0; i < objects; i++) {
    const bucket = (i % OBJECT_BUCKETS).toString(16).padStart(2, '0');
    yield make(domain, `Library/Application Support/${appFolder}/objects/${bucket}/${random.hex(19)}`, 'random', size());
  }
  for (let i = 0; i < media; i++) {
    const month = i % MONTH_FOLDERS;
    const folder = `${2022 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
    yield make(domain, `Documents/${appFolder} Media/${folder}/IMG_${String(i).padStart(6, '0')}.jpg`, 'random', size());
  }
  for (let i = 0; i < images; i++) {
    yield make(domain, `Library/Caches/com.hackemist.SDImageCache/default/${random.hex(16)}.png`, i % 3 === 0 ? 'text' : 'random', size());
  }
}
