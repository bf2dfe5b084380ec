import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderToBuffers } from '@relaxomap/reports';
import { compareRuns } from './compare.js';
import { lossCurvesSpec, metricsVsParamSpec, metricVsParamSpec, sweepPlotData, thinCurve } from './plots.js';
import { run } from './sweep-fixture.js';

const count = (svg: string, role: string): number => (svg.match(new RegExp(`aria-roledescription="${role}"`, 'g')) ?? []).length;

// loss × blocks × seed; network RMSE = 20 − blocks + (mse ? 2 : 0) ± 0.5 over the seeds.
const runs = [];
for (const loss of ['ssim', 'mse']) {
  for (const blocks of ['0', '3', '10']) {
    for (const seed of ['1', '2']) {
      const net = 20 - Number(blocks) + (loss === 'mse' ? 2 : 0) + (seed === '1' ? -0.5 : 0.5);
      runs.push(run({ params: { 'train.loss': loss, 'train.network.blocks': blocks, 'train.seed': seed }, metrics: { 'rmse_t2.network.brain': net, 'rmse_t2.varpro.brain': 15 } }));
    }
  }
}
const table = compareRuns(runs, { keys: ['train.loss', 'train.network.blocks', 'train.seed'], metrics: ['rmse_t2.varpro.brain'], primary: 'rmse_t2.network.brain' });

describe('sweep plots', () => {
  it('data: one point per row and metric, ±sd, series named by the other keys', () => {
    const data = sweepPlotData(table, { x: 'train.network.blocks', metrics: ['rmse_t2.network.brain'] });
    assert.deepEqual(data.map((d) => [d.series, d.x, d.y, d.n]), [
      ['loss=mse', 0, 22, 2], ['loss=mse', 3, 19, 2], ['loss=mse', 10, 12, 2],
      ['loss=ssim', 0, 20, 2], ['loss=ssim', 3, 17, 2], ['loss=ssim', 10, 10, 2],
    ]);
    assert.ok(Math.abs(data[0]!.hi - data[0]!.y - Math.SQRT1_2) < 1e-12);
    assert.ok(Math.abs(data[0]!.y - data[0]!.lo - Math.SQRT1_2) < 1e-12);
    const two = sweepPlotData(table, { x: 'train.network.blocks', metrics: ['rmse_t2.network.brain', 'rmse_t2.varpro.brain'], labels: { 'rmse_t2.varpro.brain': 'Varpro' }, where: { 'train.loss': 'ssim' } });
    assert.deepEqual([...new Set(two.map((d) => d.series))], ['rmse_t2.network.brain', 'Varpro']);
    assert.deepEqual(two.filter((d) => d.series === 'Varpro').map((d) => [d.x, d.y, d.lo, d.hi]), [[0, 15, 15, 15], [3, 15, 15, 15], [10, 15, 15, 15]]);
    // x by loss: ordinal axis, lines named by blocks.
    const byLoss = sweepPlotData(table, { x: 'train.loss', metrics: ['rmse_t2.network.brain'] });
    assert.deepEqual(byLoss.slice(0, 2).map((d) => [d.series, d.x]), [['blocks=0', 'mse'], ['blocks=3', 'mse']]);
  });

  it('metric vs param renders one line per loss with error bars', async () => {
    const spec = metricVsParamSpec(table, { metric: 'rmse_t2.network.brain', x: 'train.network.blocks', title: 'T2 RMSE vs residual blocks' }) as any;
    assert.equal(spec.$schema, 'https://vega.github.io/schema/vega-lite/v6.json');
    assert.equal(spec.config.legend.orient, 'top'); // the reports house style
    const { svg } = await renderToBuffers(spec, { scale: 1 });
    assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'), 'an SVG document');
    for (const text of ['>loss=ssim<', '>loss=mse<', '>T2 RMSE vs residual blocks<', '>T2 RMSE (ms)<', '>train.network.blocks<']) assert.ok(svg.includes(text), text);
    assert.equal(count(svg, 'line mark'), 2);
    assert.equal(count(svg, 'point'), 6);
    assert.equal(count(svg, 'errorbar'), 6);
  });

  it('several metrics vs a param on a log x axis; no error bars when n = 1', async () => {
    const single = compareRuns(
      [0.001, 0.01, 0.1].flatMap((v) => [run({ params: { sigma2: String(v) }, metrics: { net: 10 * v, varpro: 20 * v } })]),
      { keys: ['sigma2'], metrics: ['varpro'], primary: 'net' },
    );
    const spec = metricsVsParamSpec(single, { x: 'sigma2', metrics: ['net', 'varpro'], labels: { net: 'network', varpro: 'Varpro' }, logX: true }) as any;
    assert.equal(spec.layer[0].encoding.x.scale.type, 'log');
    assert.equal(spec.layer.length, 1);
    const { svg } = await renderToBuffers(spec, { scale: 1 });
    for (const text of ['>network<', '>Varpro<', '>0.01<']) assert.ok(svg.includes(text), text);
    assert.equal(count(svg, 'line mark'), 2);
    assert.equal(count(svg, 'errorbar'), 0);
    const zero = compareRuns([run({ params: { sigma2: '0' }, metrics: { net: 1 } })], { keys: ['sigma2'], metrics: [], primary: 'net' });
    assert.throws(() => metricsVsParamSpec(zero, { x: 'sigma2', metrics: ['net'], logX: true }), /^Error: x: values must be numbers > 0 with logX/);
  });

  it('rejects unknown keys and metrics naming the field', () => {
    assert.throws(() => sweepPlotData(table, { x: 'train.seed', metrics: ['rmse_t2.network.brain'] }), /^Error: x: 'train.seed' is not a grouping key/);
    assert.throws(() => sweepPlotData(table, { x: 'train.loss', metrics: ['nope'] }), /^Error: metrics: 'nope'/);
    assert.throws(() => sweepPlotData(table, { x: 'train.loss', metrics: ['rmse_t2.network.brain'], color: 'train.loss' }), /^Error: color:/);
  });
});

describe('loss curves', () => {
  it('thinCurve keeps first, last and evenly spaced samples', () => {
    assert.deepEqual(thinCurve([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5), [0, 3, 5, 8, 10]);
    assert.deepEqual(thinCurve([1, 2], 5), [1, 2]);
    assert.throws(() => thinCurve([1], 1), /^Error: maxPoints:/);
  });

  it('overlays one line per run on a log y axis', async () => {
    const curve = (series: string, scale: number) => ({ series, runId: series, points: [0, 1, 2, 3].map((s) => ({ step: s, value: scale * 2 ** -s })) });
    const spec = lossCurvesSpec([curve('p00: loss=ssim', 1), curve('p01: loss=mse', 4)]) as any;
    assert.equal(spec.encoding.y.scale.type, 'log');
    const { svg } = await renderToBuffers(spec, { scale: 1 });
    for (const text of ['>p00: loss=ssim<', '>p01: loss=mse<', '>Training loss<', '>Step<']) assert.ok(svg.includes(text), text);
    assert.equal(count(svg, 'line mark'), 2);
    const negative = lossCurvesSpec([{ series: 's', runId: 'r', points: [{ step: 0, value: -1 }, { step: 1, value: Number.NaN }] }]) as any;
    assert.deepEqual([negative.encoding.y.scale.type, negative.data.values.length], [undefined, 1]);
  });
});
