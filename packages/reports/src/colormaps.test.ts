import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COLORMAP_NAMES, colormapHex, colormapIndex, colormapLut, colormapRgb } from './colormaps.js';

test('colour maps match matplotlib at published entries', () => {
  // matplotlib: viridis(0), viridis(0.25), viridis(0.5), viridis(1.0) and the magma / inferno ends and middles.
  assert.equal(colormapHex('viridis', 0), '#440154');
  assert.equal(colormapHex('viridis', 0.25), '#3b528b');
  assert.equal(colormapHex('viridis', 0.5), '#21918c');
  assert.equal(colormapHex('viridis', 1), '#fde725');
  assert.equal(colormapHex('magma', 0), '#000004');
  assert.equal(colormapHex('magma', 0.5), '#b73779');
  assert.equal(colormapHex('magma', 1), '#fcfdbf');
  assert.equal(colormapHex('inferno', 0), '#000004');
  assert.equal(colormapHex('inferno', 0.5), '#bc3754');
  assert.equal(colormapHex('inferno', 1), '#fcffa4');
  assert.equal(colormapHex('gray', 0), '#000000');
  assert.equal(colormapHex('gray', 0.5), '#808080');
  assert.equal(colormapHex('gray', 1), '#ffffff');
  assert.deepEqual(colormapRgb('viridis', 0), [0x44, 0x01, 0x54]);
});

test('lookup index follows floor(256 t), clamped', () => {
  assert.equal(colormapIndex(0), 0);
  assert.equal(colormapIndex(0.5), 128);
  assert.equal(colormapIndex(1), 255);
  assert.equal(colormapIndex(1 / 256 - 1e-9), 0);
  assert.equal(colormapIndex(1 / 256), 1);
  assert.equal(colormapIndex(-3), 0);
  assert.equal(colormapIndex(7), 255);
  assert.equal(colormapIndex(Number.NaN), 0);
});

test('every table has 256 entries and is a copy', () => {
  for (const name of COLORMAP_NAMES) {
    const lut = colormapLut(name);
    assert.equal(lut.length, 768, name);
    lut[0] = 99;
    assert.notEqual(colormapLut(name)[0], 99, name);
  }
  // viridis lightness rises monotonically enough that first and last green channels differ widely.
  assert.equal(colormapLut('viridis')[1], 0x01);
  assert.equal(colormapLut('viridis')[255 * 3 + 1], 0xe7);
});

test('unknown colour map names the field', () => {
  // @ts-expect-error deliberately wrong name
  assert.throws(() => colormapRgb('jet', 0.5), /^Error: cmap: unknown colour map "jet"/);
});
