import { encode } from 'fast-png';
import { type ColormapName, assertColormapName, colormapIndex, lutOf } from './colormaps.js';

/** Options of {@link colormapPng}. */
export interface ColormapPngOptions {
  /** Value drawn with the first colour of the map (same unit as the map, e.g. ms for T2). */
  vmin: number;
  /** Value drawn with the last colour of the map; must exceed `vmin`. */
  vmax: number;
  cmap: ColormapName;
  /** Integer nearest-neighbour magnification (each voxel becomes upscale × upscale pixels); default 1. */
  upscale?: number;
  /** Shape `(y, x)`, C order, like the map: 0 = outside (drawn with `maskColor`), non-zero = inside. */
  mask?: Uint8Array;
  /** Colour of masked-out and non-finite voxels; default 'black' (RGB PNG); 'transparent' gives RGBA. */
  maskColor?: 'black' | 'transparent';
}

function checkDims(width: number, height: number, field = 'width/height'): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${field}: must be positive integers, got ${width}×${height}`);
  }
}

/**
 * Colour-maps a parameter map into PNG bytes.
 *
 * Each voxel value v becomes colour `cmap[min(255, floor(256 t))]` with `t = clamp((v - vmin) / (vmax - vmin), 0, 1)`
 * (matplotlib's lookup convention); voxels outside `mask` or non-finite (NaN from failed fits) get `maskColor`.
 *
 * @param map shape `(y, x)` = `(height, width)`, C order, Float32Array; row 0 is the top row of the image.
 * @returns PNG bytes of `(height·upscale) × (width·upscale)` pixels, 8-bit RGB (RGBA when maskColor is 'transparent').
 */
export function colormapPng(map: Float32Array, width: number, height: number, opts: ColormapPngOptions): Uint8Array {
  checkDims(width, height);
  if (!(map instanceof Float32Array)) throw new Error('map: must be a Float32Array');
  if (map.length !== width * height) {
    throw new Error(`map: length ${map.length} does not match width×height = ${width}×${height}`);
  }
  const { vmin, vmax, cmap, mask } = opts;
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax) || !(vmax > vmin)) {
    throw new Error(`vmin/vmax: need finite vmin < vmax, got ${vmin}, ${vmax}`);
  }
  assertColormapName(cmap);
  const upscale = opts.upscale ?? 1;
  if (!Number.isInteger(upscale) || upscale < 1 || upscale > 64) {
    throw new Error(`upscale: must be an integer in [1, 64], got ${upscale}`);
  }
  if (mask !== undefined && mask.length !== map.length) {
    throw new Error(`mask: length ${mask.length} does not match map length ${map.length}`);
  }
  const maskColor = opts.maskColor ?? 'black';
  if (maskColor !== 'black' && maskColor !== 'transparent') {
    throw new Error(`maskColor: must be 'black' or 'transparent', got ${JSON.stringify(maskColor)}`);
  }
  const channels = maskColor === 'transparent' ? 4 : 3;
  const lut = lutOf(cmap);
  const span = vmax - vmin;

  // One output row per map row first, then replicate it `upscale` times (cheaper than per-pixel work).
  const outW = width * upscale;
  const outH = height * upscale;
  const rowBytes = outW * channels;
  const data = new Uint8Array(rowBytes * outH); // zero = black / fully transparent
  for (let y = 0; y < height; y++) {
    const rowStart = y * upscale * rowBytes;
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const v = map[k]!;
      if ((mask !== undefined && mask[k] === 0) || !Number.isFinite(v)) continue;
      const li = 3 * colormapIndex((v - vmin) / span);
      let o = rowStart + x * upscale * channels;
      for (let r = 0; r < upscale; r++, o += channels) {
        data[o] = lut[li]!;
        data[o + 1] = lut[li + 1]!;
        data[o + 2] = lut[li + 2]!;
        if (channels === 4) data[o + 3] = 255;
      }
    }
    for (let r = 1; r < upscale; r++) data.copyWithin(rowStart + r * rowBytes, rowStart, rowStart + rowBytes);
  }
  return encode({ width: outW, height: outH, data, channels, depth: 8 });
}

/**
 * A colour-bar strip as PNG bytes: `thickness × length` pixels, the colour map running from `vmin` at the
 * bottom to `vmax` at the top (vertical) or left to right (horizontal), sampled at pixel centres.
 */
export function colorbarPng(
  cmap: ColormapName,
  length: number,
  thickness: number,
  orientation: 'vertical' | 'horizontal' = 'vertical',
): Uint8Array {
  assertColormapName(cmap);
  checkDims(length, thickness, 'length/thickness');
  if (orientation !== 'vertical' && orientation !== 'horizontal') {
    throw new Error(`orientation: must be 'vertical' or 'horizontal', got ${JSON.stringify(orientation)}`);
  }
  const lut = lutOf(cmap);
  const vertical = orientation === 'vertical';
  const width = vertical ? thickness : length;
  const height = vertical ? length : thickness;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = vertical ? 1 - (y + 0.5) / length : (x + 0.5) / length;
      const li = 3 * colormapIndex(t);
      const o = 3 * (y * width + x);
      data[o] = lut[li]!;
      data[o + 1] = lut[li + 1]!;
      data[o + 2] = lut[li + 2]!;
    }
  }
  return encode({ width, height, data, channels: 3, depth: 8 });
}

/** `data:image/png;base64,…` URL of PNG bytes, for vega-lite `image` marks and HTML. */
export function pngDataUrl(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new Error('bytes: must be a Uint8Array of PNG data');
  return `data:image/png;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}
