import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { emitFlatYaml, parseFlatYaml, resolvePlain, yamlString } from './yaml.js';

const TRICKY = [
  '', '0', '007', '1e5', '1.5', '.inf', '-1', 'true', 'Yes', 'off', 'null', '~', 'y', '2024-01-01', '12:30', 'a: b', 'a #b', '#c',
  "it's", '"dq"', ' lead', 'trail ', 'line\nbreak', 'tab\there', 'file:///tmp/mlruns/0', 'plain name', 'ünïcode', 'emoji 🎉',
  '[x]', '{y}', '- item', '? q', '@at', '`bt`', '%pct', '!tag', '&anchor', '*alias', '|', '>', 'back\\slash', '\u2028sep', 'nul\u0000',
];

/** Python with PyYAML, or undefined. */
function pyYaml(): string | undefined {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(exe, ['-c', 'import yaml']).status === 0) return exe;
  }
  return undefined;
}

describe('yaml emitter', () => {
  it('quotes exactly what YAML would otherwise misread', () => {
    const cases: [string, string][] = [
      ['abc', 'abc'], ['Default', 'Default'], ['plain name', 'plain name'], ['0', "'0'"], ['', "''"], ['true', "'true'"], ['Yes', "'Yes'"],
      ['2024-01-01', "'2024-01-01'"], ["it's", "'it''s'"], ['a: b', "'a: b'"], ['file:///x', "'file:///x'"], ['line\nbreak', '"line\\nbreak"'],
      [' lead', "' lead'"], ['trail ', "'trail '"], ['null', "'null'"],
    ];
    for (const [s, want] of cases) assert.equal(yamlString(s), want, JSON.stringify(s));
  });

  it('emits sorted keys with typed scalars', () => {
    assert.equal(
      emitFlatYaml({ z: 'x', status: 3, end_time: null, tags: [], experiment_id: '0', flag: false }),
      "end_time: null\nexperiment_id: '0'\nflag: false\nstatus: 3\ntags: []\nz: x\n",
    );
    assert.throws(() => emitFlatYaml({ t: 1.5 }), /key 't' must be an integer/);
  });

  it('round-trips tricky strings through its own reader', () => {
    const data = Object.fromEntries(TRICKY.map((s, i) => [`k${String(i).padStart(2, '0')}`, s]));
    assert.deepEqual(parseFlatYaml(emitFlatYaml(data)), data);
  });

  it('is read by PyYAML safe_load as the same strings (skipped without PyYAML)', (t) => {
    const py = pyYaml();
    if (!py) return t.skip('no PyYAML');
    const data = { ...Object.fromEntries(TRICKY.map((s, i) => [`k${String(i).padStart(2, '0')}`, s])), status: 4, end_time: null, tags: [] as [] };
    const out = spawnSync(py, ['-c', 'import sys,yaml,json; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: emitFlatYaml(data), encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), data);
  });
});

describe('yaml reader', () => {
  it('resolves plain scalars with YAML 1.1 rules like PyYAML', () => {
    assert.equal(resolvePlain('12'), 12);
    assert.equal(resolvePlain('017'), 15);
    assert.equal(resolvePlain('0x1F'), 31);
    assert.equal(resolvePlain('1_000'), 1000);
    assert.equal(resolvePlain('1:30'), 90);
    assert.equal(resolvePlain('1.5'), 1.5);
    assert.equal(resolvePlain('1e5'), '1e5', 'PyYAML needs a dot in a float');
    assert.equal(resolvePlain('-.inf'), -Infinity);
    assert.equal(resolvePlain('off'), false);
    assert.equal(resolvePlain('y'), 'y', 'PyYAML does not resolve y/n');
    assert.equal(resolvePlain('~'), null);
    assert.ok(resolvePlain('2024-01-01') instanceof Date);
    assert.equal(typeof resolvePlain('123456789012345678901'), 'bigint');
  });

  it('parses a meta.yaml as MLflow writes it, folded lines included', () => {
    const text = "artifact_location: file:///a/b\nend_time:\nexperiment_id: '12'\nname: a long\n  folded name\nstatus: 3\ntags: []\nq: \"x\\ty\"\n";
    assert.deepEqual(parseFlatYaml(text), { artifact_location: 'file:///a/b', end_time: null, experiment_id: '12', name: 'a long folded name', status: 3, tags: [], q: 'x\ty' });
  });

  it('rejects what it cannot read, naming the file and line', () => {
    assert.throws(() => parseFlatYaml('a: 1\nb: [1, 2]\n', 'm.yaml'), /m\.yaml:2: unsupported YAML construct/);
    assert.throws(() => parseFlatYaml("a: 'x\n", 'm.yaml'), /m\.yaml:1: unterminated/);
    assert.throws(() => parseFlatYaml('a: 1\na: 2\n', 'm.yaml'), /duplicate key 'a'/);
    assert.throws(() => parseFlatYaml('nested:\n  - x\n', 'm.yaml'), /unsupported/);
  });
});
