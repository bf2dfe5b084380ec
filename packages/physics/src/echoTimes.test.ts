import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoTimes, evenEchoSpacing, validateEchoTimes } from './index.js';

test('echoTimes builds an even train and copies a list', () => {
  assert.deepEqual(echoTimes({ TE1: 6, dTE: 6, count: 10 }), [6, 12, 18, 24, 30, 36, 42, 48, 54, 60]);
  assert.deepEqual(echoTimes({ TE1: 43, dTE: 24, count: 4 }), [43, 67, 91, 115]);
  const list = [5, 7.5, 12];
  const TE = echoTimes({ list });
  assert.deepEqual(TE, [5, 7.5, 12]);
  assert.notEqual(TE, list);
  assert.ok(Object.isFrozen(TE));
});

test('echoTimes errors name the field', () => {
  assert.throws(() => echoTimes({ list: [43, 67, 60] }), { message: 'TE[2] must be > TE[1] (got 60 <= 67)' });
  assert.throws(() => echoTimes({ list: [43, 43] }), /TE\[1\] must be > TE\[0\]/);
  assert.throws(() => echoTimes({ list: [0, 1] }), /TE\[0\] must be > 0/);
  assert.throws(() => echoTimes({ list: [-3] }), /TE\[0\] must be > 0/);
  assert.throws(() => echoTimes({ list: [1, NaN] }), /TE\[1\] must be a finite number/);
  assert.throws(() => echoTimes({ list: [1, Infinity] }), /TE\[1\] must be a finite number/);
  assert.throws(() => echoTimes({ list: [] }), /TE must hold at least one/);
  assert.throws(() => echoTimes({ TE1: 0, dTE: 6, count: 3 }), /^Error: TE1 must be a finite number > 0/);
  assert.throws(() => echoTimes({ TE1: 6, dTE: -1, count: 3 }), /dTE must be a finite number > 0/);
  assert.throws(() => echoTimes({ TE1: 6, dTE: 6, count: 2.5 }), /count must be an integer >= 1/);
  assert.throws(() => echoTimes({ TE1: 6, dTE: 6, count: 0 }), /count must be an integer >= 1/);
  assert.throws(() => validateEchoTimes([1, 2, 2], 'opts.TE'), /opts\.TE\[2\] must be > opts\.TE\[1\]/);
});

test('evenEchoSpacing detects even trains only', () => {
  assert.deepEqual(evenEchoSpacing([43, 67, 91, 115]), { TE1: 43, dTE: 24 });
  // Seconds converted to ms carry rounding noise; still even.
  const fromSeconds = [0.006, 0.012, 0.018, 0.024].map((s) => s * 1000);
  const even = evenEchoSpacing(fromSeconds);
  assert.ok(even !== undefined && Math.abs(even.dTE - 6) < 1e-9 && Math.abs(even.TE1 - 6) < 1e-9);
  assert.equal(evenEchoSpacing([5, 7, 12]), undefined);
  assert.equal(evenEchoSpacing([10]), undefined);
});
