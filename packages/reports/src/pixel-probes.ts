import { decode } from 'fast-png';

/** Decoded 8-bit PNG for tests. */
export interface Rgba {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
}

export function decodePng(bytes: Uint8Array): Rgba {
  const img = decode(bytes);
  if (img.depth !== 8) throw new Error(`png: expected 8-bit depth, got ${img.depth}`);
  return { width: img.width, height: img.height, channels: img.channels, data: img.data };
}

export function rgbAt(img: Rgba, x: number, y: number): [number, number, number] {
  const o = (Math.round(y) * img.width + Math.round(x)) * img.channels;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

/** Pixels with mean RGB below `threshold` (text ink on white) inside the rectangle [x0, x1) × [y0, y1). */
export function countDark(img: Rgba, x0: number, y0: number, x1: number, y1: number, threshold = 100): number {
  let n = 0;
  for (let y = y0; y < Math.min(y1, img.height); y++) {
    for (let x = x0; x < Math.min(x1, img.width); x++) {
      const [r, g, b] = rgbAt(img, x, y);
      if ((r + g + b) / 3 < threshold) n++;
    }
  }
  return n;
}
