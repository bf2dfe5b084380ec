import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { barChartSpec } from './charts.js';
import { renderToBuffers, renderVegaLite } from './render.js';
import { countDark, decodePng } from './pixel-probes.js';

const data = [
  { group: 'WM', series: 'Varpro', value: 12.3 },
  { group: 'WM', series: 'Network', value: 8.1 },
  { group: 'GM', series: 'Varpro', value: 15.6 },
  { group: 'GM', series: 'Network', value: 9.9 },
];

test('rendered chart shows its title as glyphs (font found) at the requested scale', async () => {
  const spec = barChartSpec({ title: 'T2 RMSE per tissue', yTitle: 'T2 RMSE (ms)', data, width: 200, height: 120 });
  const { svg, png } = await renderToBuffers(spec, { scale: 2 });
  assert.match(svg, />T2 RMSE per tissue</);
  assert.match(svg, />T2 RMSE \(ms\)</);
  assert.match(svg, /font-family="DejaVu Sans"/);
  const svgW = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
  const svgH = Number(/<svg[^>]* height="(\d+)"/.exec(svg)![1]);
  const img = decodePng(png);
  assert.equal(img.width, 2 * svgW);
  assert.equal(img.height, 2 * svgH);
  // Title band: top 20 SVG px, left 150 px. Without a usable font resvg drops text and this is 0.
  const titleInk = countDark(img, 0, 0, 300, 40);
  assert.ok(titleInk > 200, `title ink pixels: ${titleInk}`);

  // Control: the same chart with an empty title has no ink there (the check above can fail).
  const blank = await renderToBuffers({ ...spec, title: '' }, { scale: 2 });
  assert.equal(countDark(decodePng(blank.png), 0, 0, 300, 10), 0);
});

test('rendering is byte-identical across runs and writes atomically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'reports-render-'));
  try {
    const spec = barChartSpec({ title: 'Determinism', yTitle: 'ms', data });
    const a = await renderVegaLite(spec, join(dir, 'a'));
    const b = await renderVegaLite(spec, join(dir, 'sub', 'b'), {});
    assert.equal(a.svgPath, join(dir, 'a.svg'));
    assert.equal(a.pngPath, join(dir, 'a.png'));
    assert.deepEqual(await readFile(a.pngPath), await readFile(b.pngPath));
    assert.equal(await readFile(a.svgPath, 'utf8'), await readFile(b.svgPath, 'utf8'));
    assert.deepEqual((await readdir(dir)).sort(), ['a.png', 'a.svg', 'sub']); // no temporary files left
    assert.deepEqual((await readdir(join(dir, 'sub'))).sort(), ['b.png', 'b.svg']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the caller spec is not modified and bad options name the field', async () => {
  const spec = barChartSpec({ title: 'x', yTitle: 'y', data });
  const before = JSON.stringify(spec);
  await renderToBuffers(spec, { scale: 1 });
  assert.equal(JSON.stringify(spec), before);
  await assert.rejects(renderToBuffers(spec, { scale: 0 }), /^Error: scale:/);
  await assert.rejects(renderVegaLite(spec, ''), /^Error: outBase:/);
});
