import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScheduleColumn, truncateSchedule, validateSchedule } from './index.js';
import { JIANG2015_FA_TXT_600, JIANG2015_TR_TXT_600 } from './mrf-fixtures.js';

test('parseScheduleColumn reads one number per line (blank lines, CRLF, comments, exponents)', () => {
  assert.deepEqual(parseScheduleColumn('5.9\r\n\n  6.41 \n# a comment\n1e1  # ten\n-.5\n+3.\n', 'fa.txt', 'FA'), [5.9, 6.41, 10, -0.5, 3]);
  const fa = parseScheduleColumn(JIANG2015_FA_TXT_600, 'fa.txt', 'FA');
  const tr = parseScheduleColumn(JIANG2015_TR_TXT_600, 'tr.txt', 'TR');
  assert.equal(fa.length, 600);
  assert.equal(tr.length, 600);
  assert.equal(fa[0], 5.93999999999999);
  assert.equal(tr[0], 13.17382);
  assert.equal(Math.max(...fa), 70);
});

test('parseScheduleColumn names file, 1-based line and field on bad input', () => {
  const lines = Array.from({ length: 16 }, (_, i) => String(i + 1));
  assert.throws(() => parseScheduleColumn([...lines, 'abc', '18'].join('\n'), 'fa.txt', 'FA'), {
    message: 'fa.txt:17: FA: not a number ("abc")',
  });
  assert.throws(() => parseScheduleColumn('1\n2 3\n', 'tr.txt', 'TR'), { message: 'tr.txt:2: TR: not a number ("2 3")' });
  assert.throws(() => parseScheduleColumn('1\nInfinity\n', 'tr.txt', 'TR'), { message: 'tr.txt:2: TR: not a number ("Infinity")' });
  assert.throws(() => parseScheduleColumn('1\n1e999\n', 'tr.txt', 'TR'), { message: 'tr.txt:2: TR: not finite ("1e999")' });
  assert.throws(() => parseScheduleColumn('0x10', 'fa.txt', 'FA'), { message: 'fa.txt:1: FA: not a number ("0x10")' });
  assert.throws(() => parseScheduleColumn('\n# nothing\n', 'fa.txt', 'FA'), { message: 'fa.txt: FA: no values' });
});

test('validateSchedule checks lengths and values, naming both files on a mismatch', () => {
  const files = { FA_deg: 'fa.txt', TR_ms: 'tr.txt' };
  validateSchedule({ FA_deg: [10, 20], TR_ms: [12, 12] }, files);
  assert.throws(() => validateSchedule({ FA_deg: [10, 20, 30], TR_ms: [12, 12] }, files), {
    message: 'FA_deg (fa.txt) has 3 points but TR_ms (tr.txt) has 2',
  });
  assert.throws(() => validateSchedule({ FA_deg: [10, 20], TR_ms: [12, 0] }, files), {
    message: 'TR_ms (tr.txt): point 2 must be > 0 ms (got 0)',
  });
  assert.throws(() => validateSchedule({ FA_deg: [10, NaN], TR_ms: [12, 12] }), {
    message: 'FA_deg: point 2 must be a finite number (got NaN)',
  });
  assert.throws(() => validateSchedule({ FA_deg: [], TR_ms: [] }, files), { message: 'FA_deg (fa.txt) is empty' });
  const first = truncateSchedule({ FA_deg: [1, 2, 3], TR_ms: [10, 11, 12] }, 2);
  assert.deepEqual(first, { FA_deg: [1, 2], TR_ms: [10, 11] });
  assert.throws(() => truncateSchedule({ FA_deg: [1, 2, 3], TR_ms: [10, 11, 12] }, 4), /count must be an integer in \[1, 3\]/);
});
