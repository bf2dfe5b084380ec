import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colormapRgb } from './colormaps.js';
import { mapGridSpec } from './map-grid.js';
import { colormapPng } from './png.js';
import { renderToBuffers } from './render.js';
import { countDark, decodePng, rgbAt } from './pixel-probes.js';

const W = 12;
const H = 10;

function constantPanel(value: number, caption: string) {
  const map = new Float32Array(W * H).fill(value);
  map[0] = Number.NaN; // top-left voxel black: checks orientation below
  return { png: colormapPng(map, W, H, { vmin: 0, vmax: 300, cmap: 'viridis', upscale: 8 }), caption };
}

test('map grid places panels, captions, labels and colour bars', async () => {
  const columns = ['Slice 1', 'Slice 2', 'Slice 3'];
  const values = [
    [0, 150, 300],
    [30, 90, 270],
  ];
  const spec = mapGridSpec({
    columns,
    rows: values.map((vals, r) => ({
      label: r === 0 ? 'Varpro' : 'Network',
      panels: vals.map((v, c) => constantPanel(v, `RMSE ${v} ms`)),
      colorbar: { cmap: 'viridis', vmin: 0, vmax: 300, title: 'T2 (ms)' },
    })),
    panelWidth: 96,
    panelHeight: 80,
  });
  const { svg, png } = await renderToBuffers(spec, { scale: 2 });
  for (const text of [...columns, 'Varpro', 'Network', '>RMSE 270 ms<', 'T2 (ms)', '>300<', '>100<']) {
    assert.ok(svg.includes(text), `SVG lacks ${text}`);
  }
  assert.equal((svg.match(/<image /g) ?? []).length, 6 + 2); // six panels, two colour bars

  // Layout from map-grid.ts (fontSize 11): padding 6, row label column 20, header 20, gap 6, caption 18,
  // row gap 8. Panel (r, c) spans x = 6 + 20 + c·102 … +96, y = 6 + 20 + r·106 … +80, in SVG pixels.
  const img = decodePng(png);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 3; c++) {
      const x0 = 6 + 20 + c * 102;
      const y0 = 6 + 20 + r * 106;
      const centre = rgbAt(img, 2 * (x0 + 48), 2 * (y0 + 40));
      assert.deepEqual(centre, colormapRgb('viridis', values[r]![c]! / 300), `panel ${r},${c}`);
      // NaN voxel at the image's top-left (each voxel 8 SVG px = 16 PNG px here): black, so rows are not flipped;
      // its right neighbour is coloured, and the edge between them is sharp (no smoothing of voxels).
      assert.deepEqual(rgbAt(img, 2 * x0 + 15, 2 * y0 + 8), [0, 0, 0], `panel ${r},${c} top-left`);
      assert.deepEqual(rgbAt(img, 2 * x0 + 16, 2 * y0 + 8), centre, `panel ${r},${c} voxel edge`);
    }
  }
  // Captions under each panel and the header above carry ink; the gap between panels does not.
  assert.ok(countDark(img, 2 * 26, 2 * 106, 2 * 122, 2 * 124) > 20, 'caption ink');
  assert.ok(countDark(img, 2 * 26, 2 * 6, 2 * 122, 2 * 26) > 20, 'header ink');
  assert.equal(countDark(img, 2 * 123, 2 * 30, 2 * 127, 2 * 100), 0, 'gap between panels');
});

test('captions too wide for a panel are set smaller', () => {
  const caption = (text: string) => ({ png: constantPanel(1, '').png, caption: text });
  const layerFont = (captionText: string): number => {
    const spec = mapGridSpec({
      columns: ['a'],
      rows: [{ label: 'r', panels: [caption(captionText)] }],
      panelWidth: 100,
      panelHeight: 50,
    }) as unknown as { layer: { mark: { type: string; baseline?: string; fontSize?: number } }[] };
    return spec.layer.find((l) => l.mark.type === 'text' && l.mark.baseline === 'top')!.mark.fontSize!;
  };
  assert.equal(layerFont('RMSE 1 ms'), 11);
  // 24 characters × 0.62 em must fit in 96 px: 6.45 px, clamped to the 7 px minimum.
  assert.equal(layerFont('Varpro T2 — RMSE 23.4 ms'), 7);
  // 16 characters: 96 / (16 × 0.62) = 9.68 → 9.5 px (half-pixel steps).
  assert.equal(layerFont('Network 23.4 ms!'), 9.5);
});

test('map grid validates shapes', () => {
  const panel = constantPanel(1, 'x');
  assert.throws(
    () => mapGridSpec({ columns: ['a', 'b'], rows: [{ label: 'r', panels: [panel] }], panelWidth: 10, panelHeight: 10 }),
    /^Error: rows\[0\]\.panels: need 2 entries/,
  );
  assert.throws(
    () => mapGridSpec({ columns: ['a'], rows: [{ label: 'r', panels: [panel] }], panelWidth: 0, panelHeight: 10 }),
    /^Error: panelWidth:/,
  );
  assert.throws(
    () =>
      mapGridSpec({
        columns: ['a'],
        rows: [{ label: 'r', panels: [null], colorbar: { cmap: 'viridis', vmin: 5, vmax: 1, title: 't' } }],
        panelWidth: 10,
        panelHeight: 10,
      }),
    /^Error: rows\[0\]\.colorbar\.vmin\/vmax:/,
  );
});
