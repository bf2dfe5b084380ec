import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareMarkdown, compareRecords, compareRuns, formatMeanSd } from './compare.js';
import { paramValueComparator, selectLatestFinished, sweepKeysOf } from './runs.js';
import { run } from './sweep-fixture.js';

const close = (actual: number | undefined, expected: number, what: string): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
};

describe('compareRuns', () => {
  it('aggregates seeds into mean, sample sd and n; marks the lowest mean best', () => {
    // One group with the textbook values 2,4,4,4,5,5,7,9: mean 5, sample sd √(32/7).
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    const runs = [
      ...values.map((v, i) => run({ params: { 'train.loss': 'mse', 'train.seed': String(i) }, metrics: { rmse: v, extra: 10 * v } })),
      run({ params: { 'train.loss': 'ssim', 'train.seed': '1' }, metrics: { rmse: 4.5 } }),
    ];
    const t = compareRuns(runs, { keys: ['train.loss', 'train.seed'], metrics: ['extra'], primary: 'rmse' });
    assert.deepEqual(t.keys, ['train.loss']);
    assert.deepEqual(t.seedKeys, ['train.seed']);
    assert.deepEqual(t.metrics, ['rmse', 'extra']);
    assert.deepEqual(t.rows.map((r) => r.keys), [{ 'train.loss': 'mse' }, { 'train.loss': 'ssim' }]);
    const mse = t.rows[0]!;
    assert.equal(mse.metrics.rmse!.mean, 5);
    close(mse.metrics.rmse!.sd, Math.sqrt(32 / 7), 'sd');
    assert.equal(mse.metrics.rmse!.n, 8);
    assert.equal(mse.metrics.extra!.mean, 50);
    close(mse.metrics.extra!.sd, 10 * Math.sqrt(32 / 7), 'sd extra');
    assert.deepEqual(t.rows[1]!.metrics, { rmse: { mean: 4.5, sd: undefined, n: 1 }, extra: undefined });
    assert.equal(t.bestIndex, 1);
    assert.deepEqual(t.rows.map((r) => r.best), [false, true]);
    assert.equal(mse.runIds.length, 8);

    const max = compareRuns(runs, { keys: ['train.loss', 'train.seed'], metrics: [], primary: 'rmse', goal: 'max' });
    assert.deepEqual(max.rows.map((r) => r.best), [true, false]);
  });

  it('sorts numeric-looking values numerically, others as strings, missing last', () => {
    const runs = ['10', '3', '0', '9', '1e1', '-2.5'].map((b) => run({ params: { blocks: b, loss: 'l1' }, metrics: { rmse: 1 } }));
    const t = compareRuns(runs, { keys: ['blocks'], metrics: [], primary: 'rmse' });
    assert.deepEqual(t.rows.map((r) => r.keys.blocks), ['-2.5', '0', '3', '9', '10', '1e1']);
    const mixed = compareRuns([...runs, run({ params: { blocks: 'auto' }, metrics: { rmse: 1 } }), run({ metrics: { rmse: 1 } })], { keys: ['blocks'], metrics: [], primary: 'rmse' });
    assert.deepEqual(mixed.rows.map((r) => r.keys.blocks), ['-2.5', '0', '10', '1e1', '3', '9', 'auto', null]);
    const cmp = paramValueComparator(['2', '10']);
    assert.ok(cmp('2', '10') < 0);
    assert.ok(paramValueComparator(['2', 'x'])('2', '10') > 0);
  });

  it('orders rows by the keys in the given order', () => {
    const runs = [];
    for (const loss of ['ssim', 'mse']) for (const b of ['10', '3']) runs.push(run({ params: { loss, b }, metrics: { rmse: Number(b) } }));
    assert.deepEqual(compareRuns(runs, { keys: ['loss', 'b'], metrics: [], primary: 'rmse' }).rows.map((r) => `${r.keys.loss}/${r.keys.b}`), ['mse/3', 'mse/10', 'ssim/3', 'ssim/10']);
    assert.deepEqual(compareRuns(runs, { keys: ['b', 'loss'], metrics: [], primary: 'rmse' }).rows.map((r) => `${r.keys.b}/${r.keys.loss}`), ['3/mse', '3/ssim', '10/mse', '10/ssim']);
  });

  it('uses the latest FINISHED run per point and stage; runs without a stage tag all count', () => {
    const tags = (point: string) => ({ 'relaxomap.sweep': 's', 'relaxomap.sweep_point': point, 'relaxomap.stage': `evaluate-${point}` });
    const runs = [
      run({ runId: 'old', startTime: 1, tags: tags('p0'), params: { k: 'a' }, metrics: { rmse: 1 } }),
      run({ runId: 'new', startTime: 2, tags: tags('p0'), params: { k: 'a' }, metrics: { rmse: 2 } }),
      run({ runId: 'failed', startTime: 3, status: 'FAILED', tags: tags('p0'), params: { k: 'a' }, metrics: { rmse: 3 } }),
      run({ runId: 'running', startTime: 4, status: 'RUNNING', tags: tags('p1'), params: { k: 'a' }, metrics: { rmse: 100 } }),
      run({ runId: 'other-point', startTime: 1, tags: tags('p1'), params: { k: 'a' }, metrics: { rmse: 4 } }),
      // Same key values and seed, no stage tag: "duplicate seeds", both aggregated.
      run({ runId: 'dupA', params: { k: 'b', seed: '1' }, metrics: { rmse: 10 } }),
      run({ runId: 'dupB', params: { k: 'b', seed: '1' }, metrics: { rmse: 20 } }),
      // No primary metric: not a row.
      run({ runId: 'noprimary', params: { k: 'c' }, metrics: { other: 1 } }),
      // NaN primary: kept as a run, but not a valid value (n counts valid values only).
      run({ runId: 'nan', params: { k: 'b', seed: '2' }, metrics: { rmse: Number.NaN } }),
    ];
    assert.deepEqual(selectLatestFinished(runs).map((r) => r.runId), ['new', 'other-point', 'dupA', 'dupB', 'noprimary', 'nan']);
    const t = compareRuns(runs, { keys: ['k', 'seed'], metrics: [], primary: 'rmse' });
    assert.deepEqual(t.rows.map((r) => [r.keys.k, r.metrics.rmse?.mean, r.metrics.rmse?.n, r.runIds]), [
      ['a', 3, 2, ['new', 'other-point']],
      ['b', 15, 2, ['dupA', 'dupB', 'nan']],
    ]);
    close(t.rows[1]!.metrics.rmse!.sd, Math.SQRT2 * 5, 'sd of 10, 20');
    // Ties on startTime: the larger run id wins whatever the input order.
    const tie = [run({ runId: 'b', tags: tags('p9') }), run({ runId: 'a', tags: tags('p9') })];
    assert.deepEqual(selectLatestFinished(tie).map((r) => r.runId), ['b']);
    assert.deepEqual(selectLatestFinished([...tie].reverse()).map((r) => r.runId), ['b']);
  });

  it('returns no rows and no best when no run carries the primary metric', () => {
    const t = compareRuns([run({ metrics: { x: 1 } })], { keys: [], metrics: [], primary: 'rmse' });
    assert.deepEqual([t.rows, t.bestIndex], [[], -1]);
    assert.match(compareMarkdown(t), /_No run carries rmse\._/);
  });

  it('rejects bad options naming the field', () => {
    assert.throws(() => compareRuns([], { keys: 'a' as unknown as string[], metrics: [], primary: 'm' }), /^Error: keys:/);
    assert.throws(() => compareRuns([], { keys: [], metrics: [], primary: '' }), /^Error: primary:/);
    assert.throws(() => compareRuns([], { keys: [], metrics: [], primary: 'm', goal: 'low' as 'min' }), /^Error: goal:/);
    assert.throws(() => compareRuns([], { keys: [], metrics: [3 as unknown as string], primary: 'm' }), /^Error: metrics:/);
  });
});

describe('table output', () => {
  const runs = [
    run({ runId: 'a1', params: { 'train.loss': 'ssim', 'train.network.blocks': '10', 'train.seed': '1' }, metrics: { rmse: 12.3, varpro: 15 } }),
    run({ runId: 'a2', params: { 'train.loss': 'ssim', 'train.network.blocks': '10', 'train.seed': '2' }, metrics: { rmse: 12.9, varpro: 15 } }),
    run({ runId: 'b1', params: { 'train.loss': 'ssim', 'train.network.blocks': '3', 'train.seed': '1' }, metrics: { rmse: 14.25 } }),
  ];
  const table = compareRuns(runs, { keys: ['train.loss', 'train.network.blocks', 'train.seed'], metrics: ['varpro'], primary: 'rmse' });

  it('records for CSV: keys, runs, mean/sd/n per metric, best', () => {
    const recs = compareRecords(table);
    assert.deepEqual(Object.keys(recs[0]!), ['train.loss', 'train.network.blocks', 'runs', 'rmse.mean', 'rmse.sd', 'rmse.n', 'varpro.mean', 'varpro.sd', 'varpro.n', 'best']);
    assert.deepEqual(recs[0], { 'train.loss': 'ssim', 'train.network.blocks': '3', runs: 1, 'rmse.mean': 14.25, 'rmse.sd': undefined, 'rmse.n': 1, 'varpro.mean': undefined, 'varpro.sd': undefined, 'varpro.n': undefined, best: false });
    close(recs[1]!['rmse.mean'] as number, 12.6, 'mean');
    close(recs[1]!['rmse.sd'] as number, 0.6 / Math.SQRT2, 'sd');
    assert.equal(recs[1]!['varpro.sd'], 0);
    assert.equal(recs[1]!.best, true);
  });

  it('Markdown: mean ± sd, the best primary cell bold with ★', () => {
    assert.equal(
      compareMarkdown(table),
      [
        'Mean ± sample sd over train.seed (n > 1 only); ★ marks the lowest mean rmse.',
        '',
        '|train.loss|train.network.blocks|runs|rmse|varpro|',
        '|:-|:-|:-|:-|:-|',
        '|ssim|3|1|14.3||',
        '|ssim|10|2|**12.6 ± 0.4** ★|15.0 ± 0.0|',
        '',
      ].join('\n'),
    );
  });

  it('formatMeanSd: sd to the decimals of the mean, at least one significant digit', () => {
    assert.equal(formatMeanSd(12.345, 0.4123), '12.3 ± 0.4');
    assert.equal(formatMeanSd(12.345, 0.04), '12.3 ± 0.04');
    assert.equal(formatMeanSd(1234.5, 45.6), '1230 ± 46');
    assert.equal(formatMeanSd(2, 1.414), '2.00 ± 1.41');
    assert.equal(formatMeanSd(0.5, undefined), '0.500');
    assert.equal(formatMeanSd(15, 0), '15.0 ± 0.0');
    assert.equal(formatMeanSd(12.345, 0.4123, 4), '12.35 ± 0.41');
  });

  it('sweepKeysOf reads the latest parent run tag and rejects a malformed one', () => {
    const tag = (keys: string) => ({ 'relaxomap.sweep_keys': keys });
    const runs = [
      run({ startTime: 5, tags: { ...tag('["point.key"]'), 'relaxomap.sweep_role': 'point' } }),
      run({ startTime: 1, tags: { ...tag('["old"]'), 'relaxomap.sweep_role': 'parent' } }),
      run({ startTime: 2, tags: { ...tag('["a.b","c"]'), 'relaxomap.sweep_role': 'parent' } }),
    ];
    assert.deepEqual(sweepKeysOf(runs), ['a.b', 'c']);
    assert.deepEqual(sweepKeysOf([runs[0]!]), ['point.key']);
    assert.equal(sweepKeysOf([run({})]), undefined);
    assert.throws(() => sweepKeysOf([run({ runId: 'bad', tags: tag('a,b') })]), /^Error: tag relaxomap\.sweep_keys of run bad: must be a JSON array/);
  });
});
