import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTicks, niceTicks } from './ticks.js';

test('nice ticks use 1-2-5 steps inside the interval', () => {
  assert.deepEqual(niceTicks(0, 300, 4), [0, 100, 200, 300]);
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.05, 0.95, 4), [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(niceTicks(-20, 20, 4), [-20, -10, 0, 10, 20]);
  assert.deepEqual(niceTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3]);
  assert.throws(() => niceTicks(1, 1), /^Error: vmin\/vmax:/);
});

test('tick labels share the fewest exact decimals', () => {
  assert.deepEqual(formatTicks([0, 50, 100]), ['0', '50', '100']);
  assert.deepEqual(formatTicks([0, 0.25, 0.5]), ['0.00', '0.25', '0.50']);
  assert.deepEqual(formatTicks([0.1, 0.2, 0.30000000000000004]), ['0.1', '0.2', '0.3']);
});
