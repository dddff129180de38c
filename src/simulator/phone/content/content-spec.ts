import { bufferSource, SmallCache, type ContentSource } from './content-source';
import { heicSource } from './heic-content';
import { jpegSource } from './jpeg-content';
import { buildAae, buildPng, movieSource, randomSource, textSource } from './media-content';
import { buildPreferencePlist } from './preference-plists';
import { quickTimeSource } from './quicktime-content';

/**
 * How a generated file's bytes are made. Stored in the phone index instead of the bytes, so a
 * 5 GB phone costs a few MB of disk; `key` names the deterministic stream (seed, path, version).
 */
export type GeneratorName = 'empty' | 'random' | 'text' | 'jpeg' | 'heic' | 'movie' | 'quicktime' | 'png' | 'aae' | 'preferences';

export interface GeneratedContent {
  readonly generator: GeneratorName;
  readonly key: string;
  readonly size: number;
  readonly params: Readonly<Record<string, string | number>>;
}

// Every preference plist, screenshot and edit sidecar of a generated phone (a few hundred small
// buffers), so a second backup does not build them all again.
const built = new SmallCache<Buffer>(512);

function numberParam(params: GeneratedContent['params'], name: string): number {
  const value = params[name];
  if (typeof value !== 'number') throw new Error(`Generated content is missing its numeric parameter "${name}".`);
  return value;
}

function optionalNumber(params: GeneratedContent['params'], name: string): number | undefined {
  const value = params[name];
  return typeof value === 'number' ? value : undefined;
}

function stringParam(params: GeneratedContent['params'], name: string): string {
  const value = params[name];
  if (typeof value !== 'string') throw new Error(`Generated content is missing its text parameter "${name}".`);
  return value;
}

/** Bytes of the small structured kinds, whose size is only known once built. */
function buildSmall(generator: GeneratorName, key: string, params: GeneratedContent['params']): Buffer | undefined {
  switch (generator) {
    case 'png':
      return built.getOrCreate(`png|${key}`, () => buildPng(key, numberParam(params, 'width'), numberParam(params, 'height')));
    case 'aae':
      return built.getOrCreate(`aae|${key}`, () => {
        const [editedAt, width, height] = [optionalNumber(params, 'editedAt'), optionalNumber(params, 'width'), optionalNumber(params, 'height')];
        return buildAae(key, editedAt, width !== undefined && height !== undefined ? { width, height } : undefined);
      });
    case 'preferences':
      return built.getOrCreate(`prefs|${key}`, () => buildPreferencePlist(key, stringParam(params, 'name')));
    default:
      return undefined;
  }
}

/** Completes a content description with its size (building the small structured kinds once). */
export function describeContent(
  generator: GeneratorName,
  key: string,
  params: GeneratedContent['params'],
  size?: number,
): GeneratedContent {
  const small = buildSmall(generator, key, params);
  const finalSize = small ? small.length : generator === 'empty' ? 0 : size;
  if (finalSize === undefined) throw new Error(`Generated ${generator} content needs a size.`);
  return { generator, key, size: finalSize, params };
}

export function generatedSource(content: GeneratedContent): ContentSource {
  const { generator, key, size, params } = content;
  switch (generator) {
    case 'empty':
      return bufferSource(Buffer.alloc(0));
    case 'random':
      return randomSource(key, size);
    case 'text':
      return textSource(key, size);
    case 'movie':
      return movieSource(key, size);
    case 'jpeg':
      return jpegSource(key, size, {
        takenAt: numberParam(params, 'takenAt'),
        model: stringParam(params, 'model'),
        width: numberParam(params, 'width'),
        height: numberParam(params, 'height'),
      });
    case 'heic': {
      const contentIdentifier = params.contentIdentifier;
      return heicSource(key, size, {
        takenAt: numberParam(params, 'takenAt'),
        width: numberParam(params, 'width'),
        height: numberParam(params, 'height'),
        ...(typeof contentIdentifier === 'string' ? { contentIdentifier } : {}),
      });
    }
    case 'quicktime': {
      const contentIdentifier = params.contentIdentifier;
      return quickTimeSource(key, size, {
        takenAt: numberParam(params, 'takenAt'),
        width: numberParam(params, 'width'),
        height: numberParam(params, 'height'),
        durationSeconds: numberParam(params, 'durationSeconds'),
        ...(typeof contentIdentifier === 'string' ? { contentIdentifier } : {}),
      });
    }
    case 'png':
    case 'aae':
    case 'preferences':
      return bufferSource(buildSmall(generator, key, params) ?? Buffer.alloc(0));
  }
}
