import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markedCurvesSpec } from './curves.js';
import { renderToBuffers } from './render.js';

const curve = (k: number) => Array.from({ length: 20 }, (_, i) => ({ x: 10 * (i + 1), y: 30 / (1 + i / k) + i }));

test('marked curves: one panel per study, shared legend of the marks, references labelled', async () => {
  const spec = markedCurvesSpec({
    title: 'T2 RMSE against training time',
    xTitle: 'training time (s)',
    yTitle: 'T2 RMSE (ms)',
    panels: [
      { title: 'σ² = 0.001', curve: curve(3), references: [{ label: 'Varpro 35.8', y: 35.8 }], marks: [{ label: 'discrepancy', x: 60, y: 10 }, { label: 'oracle best', x: 90, y: 9 }] },
      { title: 'σ² = 0.003', curve: curve(5), marks: [{ label: 'held-out', x: 80, y: 12 }, { label: 'oracle best', x: 100, y: 11 }] },
    ],
  }) as any;
  assert.equal(spec.hconcat.length, 2);
  assert.deepEqual(spec.hconcat[1].layer.at(-1).encoding.color.scale.domain, ['discrepancy', 'oracle best', 'held-out']);
  const { svg } = await renderToBuffers(spec, { scale: 1 });
  for (const text of ['>σ² = 0.001<', '>σ² = 0.003<', '>Varpro 35.8<', '>discrepancy<', '>held-out<', '>oracle best<', '>training time (s)<']) {
    assert.ok(svg.includes(text), `SVG lacks ${text}`);
  }
  assert.equal((svg.match(/aria-roledescription="line mark"/g) ?? []).length, 2);
  assert.equal((svg.match(/aria-roledescription="point"/g) ?? []).length, 4);
});

test('marked curves reject non-finite points naming the field', () => {
  assert.throws(() => markedCurvesSpec({ title: 't', xTitle: 'x', yTitle: 'y', panels: [] }), /panels/);
  assert.throws(
    () => markedCurvesSpec({ title: 't', xTitle: 'x', yTitle: 'y', panels: [{ title: 'p', curve: [{ x: 1, y: NaN }], marks: [] }] }),
    /panels\[0\]\.curve\[0\]\.y/,
  );
});
