import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterError, matchesFilter, parseFilter, sortRunsDefault } from './filter.js';
import type { RunInfo } from './types.js';

const run = (over: Partial<RunInfo>): RunInfo => ({
  runId: 'r1', experimentId: '1', runName: 'cnn-a', status: 'FINISHED', startTime: 1000, endTime: 2000, artifactUri: 'file:///a',
  userId: 'me', lifecycleStage: 'active', params: { lr: '0.01', 'model.depth': '9' }, tags: { 'mlflow.runName': 'cnn-a', family: 'CNN' },
  metrics: { loss: 0.25, nrmse: NaN }, ...over,
});

describe('search filter', () => {
  it('parses MLflow syntax into clauses', () => {
    assert.deepEqual(parseFilter("metrics.loss < 0.5 AND params.lr = '0.01' and tags.`mlflow.runName` LIKE 'cnn%' and attribute.status != \"FAILED\""), [
      { entity: 'metric', key: 'loss', comparator: '<', value: 0.5 },
      { entity: 'parameter', key: 'lr', comparator: '=', value: '0.01' },
      { entity: 'tag', key: 'mlflow.runName', comparator: 'LIKE', value: 'cnn%' },
      { entity: 'attribute', key: 'status', comparator: '!=', value: 'FAILED' },
    ]);
    assert.deepEqual(parseFilter('params.model.depth = "9"'), [{ entity: 'parameter', key: 'model.depth', comparator: '=', value: '9' }]);
    assert.deepEqual(parseFilter("run_id IN ('a', 'b')"), [{ entity: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] }]);
    assert.deepEqual(parseFilter('metric.x >= -1.5e-3'), [{ entity: 'metric', key: 'x', comparator: '>=', value: -1.5e-3 }]);
    assert.deepEqual(parseFilter('  '), []);
  });

  it('rejects what MLflow rejects', () => {
    for (const bad of [
      "metrics.loss = 'a'", 'params.lr > 1', 'params.lr = 1', 'foo.bar = 1', "attributes.nope = 'x'", "a.b = 'x' or c.d = 'y'",
      "params.lr = 'x", "status IN ('a')", 'metrics.loss <', "params.lr = 'a' and", 'metrics.loss LIKE 1',
    ]) {
      assert.throws(() => parseFilter(bad), FilterError, bad);
    }
  });

  it('matches like MLflow: missing keys fail, LIKE is case-sensitive, ILIKE is not, NaN compares false', () => {
    const r = run({});
    const m = (f: string): boolean => matchesFilter(r, parseFilter(f));
    assert.equal(m('metrics.loss < 0.3'), true);
    assert.equal(m('metrics.loss > 0.3'), false);
    assert.equal(m('metrics.missing != 1'), false);
    assert.equal(m('metrics.nrmse < 1'), false);
    assert.equal(m('metrics.nrmse != 1'), true);
    assert.equal(m("params.missing != 'x'"), false);
    assert.equal(m("tags.family LIKE 'cnn'"), false);
    assert.equal(m("tags.family ILIKE 'cnn'"), true);
    assert.equal(m("tags.family LIKE 'C_N'"), true);
    assert.equal(m("params.`model.depth` = '9'"), true);
    assert.equal(m("run_id IN ('r0', 'r1')"), true);
    assert.equal(m("run_id NOT IN ('r1')"), false);
    assert.equal(m('attributes.start_time >= 1000 and attributes.end_time < 2000'), false);
    assert.equal(m("attributes.run_name = 'cnn-a' and attributes.user_id = 'me'"), true);
    assert.equal(matchesFilter(run({ endTime: null }), parseFilter('attributes.end_time > 0')), false);
  });

  it('orders by start_time descending, then run_id', () => {
    const rs = [run({ runId: 'b', startTime: 1 }), run({ runId: 'c', startTime: 2 }), run({ runId: 'a', startTime: 1 })];
    assert.deepEqual(sortRunsDefault(rs).map((r) => r.runId), ['c', 'a', 'b']);
  });
});
