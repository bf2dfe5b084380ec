import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatSignificant, writeTable } from './tables.js';

test('significant-digit formatting', () => {
  assert.equal(formatSignificant(23.456, 3), '23.5');
  assert.equal(formatSignificant(0.5, 3), '0.500');
  assert.equal(formatSignificant(1234.5, 3), '1230');
  assert.equal(formatSignificant(0.000123456, 2), '0.00012');
  assert.equal(formatSignificant(1.23456e-9, 3), '1.23e-9');
  assert.equal(formatSignificant(42, 2), '42');
  assert.equal(formatSignificant(-0.04567, 2), '-0.046');
  assert.equal(formatSignificant(Number.NaN, 3), 'NaN');
  assert.equal(formatSignificant(-Infinity, 3), '-Inf');
});

test('writeTable writes full-precision CSV and rounded Markdown', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'reports-table-'));
  try {
    const rows = [
      { tissue: 'White matter', method: 'Varpro', rmse_ms: 12.345678, n: 1523 },
      { tissue: 'CSF, ventricles', method: 'network', rmse_ms: 0.1, n: 88, note: 'a|b' },
    ];
    const { table, csvPath, mdPath } = await writeTable(rows, join(dir, 't2_rmse'), {
      digits: 3,
      caption: 'Table 1: T2 RMSE.',
    });
    assert.equal(table.numRows(), 2);
    assert.deepEqual(table.columnNames(), ['tissue', 'method', 'rmse_ms', 'n', 'note']);
    assert.equal(csvPath, join(dir, 't2_rmse.csv'));
    assert.equal(
      await readFile(csvPath, 'utf8'),
      'tissue,method,rmse_ms,n,note\n' + 'White matter,Varpro,12.345678,1523,\n' + '"CSF, ventricles",network,0.1,88,a|b\n',
    );
    assert.equal(
      await readFile(mdPath, 'utf8'),
      'Table 1: T2 RMSE.\n\n' +
        '|tissue|method|rmse_ms|n|note|\n' +
        '|:-|:-|-:|-:|:-|\n' +
        '|White matter|Varpro|12.3|1523||\n' +
        '|CSF, ventricles|network|0.100|88|a\\|b|\n',
    );
    assert.deepEqual((await readdir(dir)).sort(), ['t2_rmse.csv', 't2_rmse.md']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeTable rejects bad input naming the field', async () => {
  await assert.rejects(writeTable([], '/tmp/x'), /^Error: rows:/);
  await assert.rejects(writeTable([{ a: 1 }], '/tmp/x', { digits: 0 }), /^Error: digits:/);
});
