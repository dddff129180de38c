/** An RGBA picture, 4 bytes a pixel, row after row. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * Shrinks a picture so its longer edge is at most `maxEdge`, each output pixel the average of the
 * source pixels it covers (a box filter: no aliasing from skipped pixels, and one pass over the
 * source). A picture already small enough is returned as it is.
 */
export function downscaleRgba(image: RgbaImage, maxEdge: number): RgbaImage {
  const scale = Math.min(1, maxEdge / Math.max(image.width, image.height));
  if (scale >= 1) return image;
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const sums = new Float64Array(width * height * 4);
  const counts = new Uint32Array(width * height);
  for (let y = 0; y < image.height; y++) {
    const row = Math.min(height - 1, Math.floor((y * height) / image.height)) * width;
    for (let x = 0; x < image.width; x++) {
      const target = row + Math.min(width - 1, Math.floor((x * width) / image.width));
      const source = (y * image.width + x) * 4;
      for (let channel = 0; channel < 4; channel++) sums[target * 4 + channel] = (sums[target * 4 + channel] ?? 0) + (image.data[source + channel] ?? 0);
      counts[target] = (counts[target] ?? 0) + 1;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let pixel = 0; pixel < width * height; pixel++) {
    const count = counts[pixel] || 1;
    for (let channel = 0; channel < 4; channel++) data[pixel * 4 + channel] = Math.round((sums[pixel * 4 + channel] ?? 0) / count);
  }
  return { width, height, data };
}
