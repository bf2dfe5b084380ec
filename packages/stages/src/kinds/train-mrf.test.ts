import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coefficientChannels, coefficientResidual } from './train-mrf.js';

// rank 2, 3 voxels: c_k(i) = (10k + i) + i·(−(10k + i))
const rank = 2;
const voxels = 3;
const c = new Float32Array(2 * rank * voxels);
for (let k = 0; k < rank; k++) for (let i = 0; i < voxels; i++) [c[2 * (k * voxels + i)], c[2 * (k * voxels + i) + 1]] = [10 * k + i, -(10 * k + i)];

test('coefficientChannels: re of every coefficient, then im, each a (voxel) image', () => {
  assert.deepEqual([...coefficientChannels(c, rank, voxels)], [0, 1, 2, 10, 11, 12, -0, -1, -2, -10, -11, -12]);
});

test('coefficientResidual: zero against its own channels; a known offset on the masked samples only', () => {
  const ref = coefficientChannels(c, rank, voxels);
  const all = new Uint8Array(2 * rank * voxels).fill(1);
  assert.equal(coefficientResidual(c, ref, rank, voxels, all), 0);
  const shifted = ref.map((v, j) => (j === 4 ? v + 3 : v)); // re of coefficient 1, voxel 1
  assert.equal(coefficientResidual(c, shifted, rank, voxels, all), 9 / 12);
  const mask = new Uint8Array(12);
  mask[4] = 1;
  mask[7] = 1; // im of coefficient 0, voxel 1 (exact)
  assert.equal(coefficientResidual(c, shifted, rank, voxels, mask), 9 / 2);
});
