import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { formatPythonFloat, keyProblem, parsePythonFloat, posixNormpath, prepareParams, sanitizeKey } from './validation.js';

/** A Python 3 on this machine, or undefined. */
function python(): string | undefined {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(exe, ['-c', 'pass']).status === 0) return exe;
  }
  return undefined;
}

describe('formatPythonFloat (what MLflow writes into metric files)', () => {
  const known: [number, string][] = [
    [1, '1.0'], [0.5, '0.5'], [123, '123.0'], [-0, '-0.0'], [0, '0.0'], [0.1 + 0.2, '0.30000000000000004'],
    [1e-5, '1e-05'], [1e-4, '0.0001'], [1.5e-7, '1.5e-07'], [1e16, '1e+16'], [1234567890123456, '1234567890123456.0'],
    [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [-2.5e20, '-2.5e+20'],
    [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'],
  ];
  it('matches Python repr on known values', () => {
    for (const [v, want] of known) assert.equal(formatPythonFloat(v), want, String(v));
  });

  it('matches the local Python on many values (skipped without python3)', (t) => {
    const py = python();
    if (!py) return t.skip('no python3');
    const values: number[] = [];
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 400; i++) values.push((rand() - 0.5) * 10 ** Math.floor(rand() * 60 - 30));
    for (let e = -8; e <= 22; e++) values.push(10 ** e, 3 * 10 ** e);
    const script = 'import sys,json\nfor v in json.load(sys.stdin): print(repr(float(v)))';
    const out = spawnSync(py, ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    values.forEach((v, i) => assert.equal(formatPythonFloat(v), lines[i], String(v)));
  });

  it('parsePythonFloat reads what Python float() reads and nothing else', () => {
    assert.equal(parsePythonFloat('1.0'), 1);
    assert.equal(parsePythonFloat('1e-05'), 1e-5);
    assert.equal(parsePythonFloat('-inf'), -Infinity);
    assert.equal(parsePythonFloat('Infinity'), Infinity);
    assert.ok(Number.isNaN(parsePythonFloat('nan')!));
    assert.equal(parsePythonFloat('.5'), 0.5);
    assert.equal(parsePythonFloat('1_000.5'), 1000.5);
    for (const bad of ['', '.', 'e5', '1e', 'abc', '0x10', '1,5']) assert.equal(parsePythonFloat(bad), undefined, bad);
  });
});

describe('MLflow key rules', () => {
  it('posixNormpath matches Python posixpath.normpath', () => {
    const cases: [string, string][] = [['', '.'], ['a//b', 'a/b'], ['a/./b/', 'a/b'], ['a/../b', 'b'], ['../a', '../a'], ['/../a', '/a'], ['//a', '//a'], ['///a', '/a'], ['.', '.']];
    for (const [p, want] of cases) assert.equal(posixNormpath(p), want, p);
  });

  it('keyProblem accepts what MLflow accepts', () => {
    for (const ok of ['loss', 'val/nrmse', 'a.b-c d_e', 'T2 (ms)'.replace(/[()]/g, ''), 'é']) assert.equal(keyProblem('metric', ok), undefined, ok);
    assert.match(keyProblem('metric', 'a:b')!, /Invalid metric name: 'a:b'\. Names may only contain/);
    assert.match(keyProblem('parameter', 'a//b')!, /would resolve to 'a\/b'/);
    for (const bad of ['/abs', '../x', '..x', 'a/', '.', '']) assert.ok(keyProblem('tag', bad), bad);
    assert.match(keyProblem('tag', 'k'.repeat(251))!, /exceeded length limit of 250/);
  });

  it('sanitizeKey maps any string to a key MLflow accepts', () => {
    const cases: [string, string][] = [
      ['a//b/./c', 'a/b/c'], ['x:y', 'x_y'], ['../up', '__/up'], ['/abs/', 'abs'], ['..x', '_..x'], ['ok.key/sub-1 v', 'ok.key/sub-1 v'], ['', '_'], ['a\\b', 'a_b'],
    ];
    for (const [raw, want] of cases) {
      assert.equal(sanitizeKey('param', raw), want, raw);
      assert.equal(keyProblem('parameter', want), undefined, want);
    }
    assert.throws(() => sanitizeKey('param', 'k'.repeat(300)), /at most 250/);
  });

  it('prepareParams stringifies, truncates to 6000 chars and refuses colliding keys', () => {
    const p = prepareParams({ a: 1, b: true, c: 'x'.repeat(6001) });
    assert.deepEqual([...p.keys()], ['a', 'b', 'c']);
    assert.equal(p.get('a'), '1');
    assert.equal(p.get('b'), 'true');
    assert.equal(p.get('c')!.length, 6000);
    assert.throws(() => prepareParams({ 'a:b': 1, a_b: 2 }), /collides/);
    assert.throws(() => prepareParams({ a: null as unknown as string }), /param 'a': value must be/);
  });
});
