import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRuns } from './compare.js';
import { run } from './sweep-fixture.js';
import { compareValues, diffRuns, diffSweeps, runDiffMarkdown, sweepDiffMarkdown } from './diff.js';

describe('diffRuns', () => {
  const a = run({ runId: 'A1', runName: 'train-p01', params: { lr: '0.01', loss: 'ssim', blocks: '3', only_a: 'x' }, metrics: { rmse: 10, varpro: 15, only_a: 1, zero: 0 } });
  const b = run({ runId: 'B1', runName: 'train-p02', params: { lr: '0.01', loss: 'mse', blocks: '3', only_b: 'y' }, metrics: { rmse: 12.5, varpro: 15, zero: 2 } });

  it('splits params into only-A, only-B, changed, and puts metrics side by side', () => {
    assert.deepEqual(diffRuns(a, b), {
      a: { runId: 'A1', runName: 'train-p01' },
      b: { runId: 'B1', runName: 'train-p02' },
      onlyA: { only_a: 'x' },
      onlyB: { only_b: 'y' },
      changed: [{ key: 'loss', a: 'ssim', b: 'mse' }],
      same: 2,
      metrics: [
        { key: 'only_a', a: 1, b: undefined, diff: undefined, ratio: undefined },
        { key: 'rmse', a: 10, b: 12.5, diff: 2.5, ratio: 1.25 },
        { key: 'varpro', a: 15, b: 15, diff: 0, ratio: 1 },
        // Ratio to a zero A is undefined, the difference is not.
        { key: 'zero', a: 0, b: 2, diff: 2, ratio: undefined },
      ],
    });
    assert.deepEqual(compareValues('m', 4, 1), { key: 'm', a: 4, b: 1, diff: -3, ratio: 0.25 });
  });

  it('Markdown', () => {
    assert.equal(
      runDiffMarkdown(diffRuns(a, b)),
      [
        '## A = train-p01 (A1), B = train-p02 (B1)',
        '',
        '2 params equal.',
        '',
        '### Params only in A',
        '',
        '|param|A|',
        '|:-|:-|',
        '|only_a|x|',
        '',
        '### Params only in B',
        '',
        '|param|B|',
        '|:-|:-|',
        '|only_b|y|',
        '',
        '### Params that differ',
        '',
        '|param|A|B|',
        '|:-|:-|:-|',
        '|loss|ssim|mse|',
        '',
        '### Metrics',
        '',
        '|metric|A|B|B − A|B / A|',
        '|:-|:-|:-|:-|:-|',
        '|only_a|1||||',
        '|rmse|10|12.50|2.500|1.250|',
        '|varpro|15|15|0|1|',
        '|zero|0|2|2||',
        '',
      ].join('\n'),
    );
    assert.match(runDiffMarkdown(diffRuns(a, a)), /### Params only in A\n\n_none_\n/);
  });
});

describe('diffSweeps', () => {
  const mk = (loss: string, blocks: string, seed: string, rmse: number) => run({ params: { loss, blocks, seed }, metrics: { rmse } });
  const opts = { keys: ['loss', 'blocks', 'seed'], metrics: [], primary: 'rmse' };
  const ta = compareRuns([mk('ssim', '3', '1', 10), mk('ssim', '3', '2', 12), mk('ssim', '10', '1', 8), mk('mse', '3', '1', 20)], opts);
  const tb = compareRuns([mk('ssim', '3', '1', 9), mk('ssim', '10', '1', 10), mk('mse', '10', '1', 6)], opts);

  it('compares best rows and joins the tables on the keys', () => {
    const d = diffSweeps(ta, tb, { a: 'ablation', b: 'ablation-v2' });
    assert.deepEqual([d.bestA?.keys, d.bestB?.keys], [{ loss: 'ssim', blocks: '10' }, { loss: 'mse', blocks: '10' }]);
    assert.deepEqual(d.best, [{ key: 'rmse', a: 8, b: 6, diff: -2, ratio: 0.75 }]);
    assert.deepEqual(
      d.rows.map((r) => [r.keys.loss, r.keys.blocks, r.metrics[0]!.a, r.metrics[0]!.b, r.metrics[0]!.diff]),
      [
        ['mse', '3', 20, undefined, undefined],
        ['mse', '10', undefined, 6, undefined],
        ['ssim', '3', 11, 9, -2],
        ['ssim', '10', 8, 10, 2],
      ],
    );
    assert.equal(
      sweepDiffMarkdown(d, { digits: 3 }),
      [
        '## A = ablation, B = ablation-v2',
        '',
        'Best by rmse: A loss=ssim, blocks=10; B loss=mse, blocks=10.',
        '',
        '### Best rows',
        '',
        '|metric|A|B|B − A|B / A|',
        '|:-|:-|:-|:-|:-|',
        '|rmse|8.00|6.00|-2|0.750|',
        '',
        '### rmse per combination',
        '',
        '|loss|blocks|A rmse|B rmse|B − A|B / A|',
        '|:-|:-|:-|:-|:-|:-|',
        '|mse|3|20.0||||',
        '|mse|10||6.00|||',
        '|ssim|3|11.0 ± 1.4|9.00|-2|0.818|',
        '|ssim|10|8.00|10.0|2|1.25|',
        '',
      ].join('\n'),
    );
  });

  it('refuses tables grouped by different keys', () => {
    const other = compareRuns([mk('ssim', '3', '1', 1)], { ...opts, keys: ['loss', 'seed'] });
    assert.throws(() => diffSweeps(ta, other), /^Error: keys: the sweeps group by different keys \(A: loss, blocks; B: loss\)/);
  });
});
