import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChartSpec, lineChartSpec } from './charts.js';
import { renderToBuffers } from './render.js';
import { countDark, decodePng } from './pixel-probes.js';

const bars = [
  { group: 'WM', series: 'Varpro', value: 12.345 },
  { group: 'WM', series: 'Network', value: 8.1 },
  { group: 'CSF', series: 'Varpro', value: 45.2 },
  { group: 'CSF', series: 'Network', value: 30 },
];

test('bar chart keeps first-seen order and labels every bar with its value', async () => {
  const spec = barChartSpec({ title: 'T2 RMSE per tissue', yTitle: 'T2 RMSE (ms)', data: bars }) as any;
  assert.deepEqual(spec.layer[0].encoding.x.sort, ['WM', 'CSF']);
  assert.deepEqual(spec.layer[0].encoding.color.scale.domain, ['Varpro', 'Network']);
  const { svg } = await renderToBuffers(spec, { scale: 1 });
  for (const label of ['>12.3<', '>8.1<', '>45.2<', '>30<', '>T2 RMSE per tissue<', '>Varpro<', '>Network<']) {
    assert.ok(svg.includes(label), `SVG lacks ${label}`);
  }
  assert.equal((svg.match(/<path[^>]*aria-roledescription="bar"/g) ?? []).length, 4);
  // Order of the x axis labels on the page: WM left of CSF.
  assert.ok(svg.indexOf('>WM<') < svg.indexOf('>CSF<'));
});

test('line chart draws one line per series, log axis when asked', async () => {
  const data = [];
  for (let e = 1; e <= 50; e++) {
    data.push({ x: e, y: 1 / e, series: 'train' }, { x: e, y: 2 / e, series: 'validation' });
  }
  const spec = lineChartSpec({ title: 'Training loss', xTitle: 'Epoch', yTitle: 'Loss', data, logY: true }) as any;
  assert.equal(spec.encoding.y.scale.type, 'log');
  const { svg, png } = await renderToBuffers(spec, { scale: 1 });
  assert.equal((svg.match(/aria-roledescription="line mark"/g) ?? []).length, 2);
  for (const text of ['>Training loss<', '>Epoch<', '>Loss<', '>train<', '>validation<']) assert.ok(svg.includes(text), text);
  assert.ok(countDark(decodePng(png), 0, 0, 150, 20) > 50, 'title ink');
});

test('chart builders reject bad data naming the field', () => {
  assert.throws(() => barChartSpec({ title: 't', yTitle: 'y', data: [] }), /^Error: data:/);
  assert.throws(
    () => barChartSpec({ title: 't', yTitle: 'y', data: [{ group: 'a', series: 'b', value: Number.NaN }] }),
    /^Error: data\[0\]\.value:/,
  );
  assert.throws(
    () =>
      lineChartSpec({
        title: 't',
        xTitle: 'x',
        yTitle: 'y',
        logY: true,
        data: [
          { x: 0, y: 1, series: 's' },
          { x: 1, y: 0, series: 's' },
        ],
      }),
    /^Error: data\[1\]\.y: must be > 0 with logY/,
  );
});
