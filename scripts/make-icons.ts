/**
 * Draws Lifeboat's icons as PNGs (no image tools needed): a red-and-white life ring on a blue
 * rounded square for the app, and the bare ring for the tray with a badge for busy (blue) and
 * error (red). Re-run after changing a colour: `npx tsx scripts/make-icons.ts`; writes assets/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

type Rgba = readonly [number, number, number, number];
/** A shape: the colour at (x, y) in the unit square, or undefined where it is transparent. */
type Painter = (x: number, y: number) => Rgba | undefined;

const RED: Rgba = [218, 41, 28, 255];
const WHITE: Rgba = [250, 250, 250, 255];
const BLUE: Rgba = [22, 78, 140, 255];
const BADGE_BUSY: Rgba = [42, 125, 225, 255];
const BADGE_ERROR: Rgba = [214, 40, 40, 255];
const OUTLINE: Rgba = [60, 60, 60, 255];

function lifeRing(cx: number, cy: number, outer: number, inner: number, outline: number): Painter {
  return (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    const r = Math.hypot(dx, dy);
    if (r > outer || r < inner) return undefined;
    if (outline > 0 && (r > outer - outline || r < inner + outline)) return OUTLINE;
    // Eight segments, red and white in turn, offset so a red band sits at the top like a real buoy.
    const angle = (Math.atan2(dy, dx) + Math.PI * 2 + Math.PI / 8) % (Math.PI * 2);
    return Math.floor(angle / (Math.PI / 4)) % 2 === 0 ? RED : WHITE;
  };
}

function disc(cx: number, cy: number, radius: number, colour: Rgba, ring?: Rgba): Painter {
  return (x, y) => {
    const r = Math.hypot(x - cx, y - cy);
    if (r > radius) return undefined;
    return ring && r > radius * 0.78 ? ring : colour;
  };
}

function roundedSquare(margin: number, corner: number, colour: Rgba): Painter {
  return (x, y) => {
    const lo = margin + corner;
    const hi = 1 - margin - corner;
    const nx = Math.min(Math.max(x, lo), hi);
    const ny = Math.min(Math.max(y, lo), hi);
    return Math.hypot(x - nx, y - ny) <= corner && x >= margin && x <= 1 - margin && y >= margin && y <= 1 - margin ? colour : undefined;
  };
}

/** Later painters cover earlier ones; 4×4 supersampling smooths the edges. */
function render(size: number, painters: readonly Painter[]): Buffer {
  const samples = 4;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          let colour: Rgba | undefined;
          for (const paint of painters) colour = paint(x, y) ?? colour;
          if (!colour) continue;
          const alpha = colour[3] / 255;
          r += colour[0] * alpha;
          g += colour[1] * alpha;
          b += colour[2] * alpha;
          a += alpha;
        }
      }
      const offset = (py * size + px) * 4;
      pixels[offset] = a ? Math.round(r / a) : 0;
      pixels[offset + 1] = a ? Math.round(g / a) : 0;
      pixels[offset + 2] = a ? Math.round(b / a) : 0;
      pixels[offset + 3] = Math.round((a / (samples * samples)) * 255);
    }
  }
  return encodePng(size, size, pixels);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** PNG: 8-bit RGBA, filter 0 on every row, one IDAT. */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets');
fs.mkdirSync(path.join(assets, 'tray'), { recursive: true });

const appIcon = [roundedSquare(0.06, 0.18, BLUE), lifeRing(0.5, 0.5, 0.36, 0.2, 0.012)];
fs.writeFileSync(path.join(assets, 'icon.png'), render(512, appIcon));

const trayRing = lifeRing(0.5, 0.5, 0.48, 0.24, 0.06);
const badges: Record<'idle' | 'busy' | 'error', Painter[]> = {
  idle: [],
  busy: [disc(0.76, 0.76, 0.24, BADGE_BUSY, WHITE)],
  error: [disc(0.76, 0.76, 0.24, BADGE_ERROR, WHITE)],
};
for (const [state, extra] of Object.entries(badges)) {
  // Electron picks the @2x file on high-density displays.
  fs.writeFileSync(path.join(assets, 'tray', `tray-${state}.png`), render(16, [trayRing, ...extra]));
  fs.writeFileSync(path.join(assets, 'tray', `tray-${state}@2x.png`), render(32, [trayRing, ...extra]));
}
console.log(`wrote ${path.relative(process.cwd(), assets)}/icon.png and tray/tray-{idle,busy,error}[@2x].png`);
