import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { colorbarPng, colormapPng, pngDataUrl } from './png.js';

function pixel(img: { width: number; data: ArrayLike<number>; channels: number }, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.channels;
  return Array.from({ length: img.channels }, (_, c) => img.data[o + c]!);
}

test('colormapPng maps values through the table, upscales nearest-neighbour, blacks out NaN', () => {
  // (y, x) = 2 × 2: top row 0 and 50, bottom row 100 and NaN; vmin 0, vmax 100 → t = 0, 0.5, 1.
  const map = Float32Array.from([0, 50, 100, Number.NaN]);
  const img = decode(colormapPng(map, 2, 2, { vmin: 0, vmax: 100, cmap: 'viridis', upscale: 3 }));
  assert.equal(img.width, 6);
  assert.equal(img.height, 6);
  assert.equal(img.channels, 3);
  for (const [x, y] of [[0, 0], [2, 2]]) assert.deepEqual(pixel(img, x!, y!), [0x44, 0x01, 0x54]);
  for (const [x, y] of [[3, 0], [5, 2]]) assert.deepEqual(pixel(img, x!, y!), [0x21, 0x91, 0x8c]);
  for (const [x, y] of [[0, 3], [2, 5]]) assert.deepEqual(pixel(img, x!, y!), [0xfd, 0xe7, 0x25]);
  for (const [x, y] of [[3, 3], [5, 5]]) assert.deepEqual(pixel(img, x!, y!), [0, 0, 0]);
});

test('values outside [vmin, vmax] clamp; mask can be transparent', () => {
  const map = Float32Array.from([-10, 500, 1, 1]);
  const mask = Uint8Array.from([1, 1, 0, 1]);
  const img = decode(colormapPng(map, 4, 1, { vmin: 0, vmax: 2, cmap: 'gray', mask, maskColor: 'transparent' }));
  assert.equal(img.channels, 4);
  assert.deepEqual(pixel(img, 0, 0), [0, 0, 0, 255]);
  assert.deepEqual(pixel(img, 1, 0), [255, 255, 255, 255]);
  assert.deepEqual(pixel(img, 2, 0), [0, 0, 0, 0]);
  assert.deepEqual(pixel(img, 3, 0), [128, 128, 128, 255]);
});

test('colormapPng rejects bad input naming the field', () => {
  const map = new Float32Array(6);
  assert.throws(() => colormapPng(map, 2, 2, { vmin: 0, vmax: 1, cmap: 'magma' }), /^Error: map: length 6/);
  assert.throws(() => colormapPng(map, 3, 2, { vmin: 1, vmax: 1, cmap: 'magma' }), /^Error: vmin\/vmax:/);
  assert.throws(() => colormapPng(map, 3, 2, { vmin: 0, vmax: 1, cmap: 'magma', upscale: 1.5 }), /^Error: upscale:/);
  assert.throws(
    () => colormapPng(map, 3, 2, { vmin: 0, vmax: 1, cmap: 'magma', mask: new Uint8Array(5) }),
    /^Error: mask: length 5/,
  );
});

test('colour bar runs from vmin (bottom) to vmax (top)', () => {
  const img = decode(colorbarPng('inferno', 256, 4));
  assert.equal(img.width, 4);
  assert.equal(img.height, 256);
  assert.deepEqual(pixel(img, 0, 255), [0x00, 0x00, 0x04]);
  assert.deepEqual(pixel(img, 3, 0), [0xfc, 0xff, 0xa4]);
  const h = decode(colorbarPng('viridis', 256, 2, 'horizontal'));
  assert.equal(h.width, 256);
  assert.deepEqual(pixel(h, 255, 1), [0xfd, 0xe7, 0x25]);
});

test('pngDataUrl is base64 of the bytes', () => {
  const bytes = colormapPng(new Float32Array(1), 1, 1, { vmin: 0, vmax: 1, cmap: 'viridis' });
  const url = pngDataUrl(bytes);
  assert.ok(url.startsWith('data:image/png;base64,iVBORw0KGgo'), url.slice(0, 40)); // PNG signature
  assert.deepEqual(new Uint8Array(Buffer.from(url.slice(22), 'base64')), bytes);
});
