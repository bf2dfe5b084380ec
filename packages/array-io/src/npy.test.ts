import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PY, pythonHas, sharedData } from './fixtures.js';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from './npy.js';
import type { NdArray } from './types.js';

const hasNumpy = pythonHas('numpy');

const tmp = mkdtempSync(join(tmpdir(), 'npy-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('encodeNpy header', () => {
  it('is byte-for-byte what numpy writes for float32 (2, 3)', () => {
    const bytes = encodeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    // 10-byte prefix + 118-byte header = 128: the data start on a 64-byte boundary.
    const expected = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 118, 0]),
      Buffer.from(dict.padEnd(117, ' ') + '\n', 'latin1'),
    ]);
    assert.equal(expected.length, 128);
    assert.deepEqual(bytes.subarray(0, 128), expected);
    assert.deepEqual(new Float32Array(bytes.buffer.slice(bytes.byteOffset + 128, bytes.byteOffset + 152)), new Float32Array([1, 2, 3, 4, 5, 6]));
  });

  it('writes 1-d shapes as (n,) and uint8 as |u1', () => {
    const text = encodeNpy({ dtype: 'uint8', shape: [5], data: new Uint8Array(5) }).subarray(10, 128).toString('latin1');
    assert.ok(text.startsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"), text);
  });

  it('rejects a data length that does not match the shape, naming both', () => {
    assert.throws(() => encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(3) }), /data length 3 does not match shape \[2, 2\]/);
    assert.throws(() => encodeNpy({ dtype: 'int16', shape: [2], data: new Float32Array(2) } as unknown as NdArray), /Int16Array|int16/);
  });
});

describe('round trip', () => {
  const cases: NdArray[] = [
    { dtype: 'float32', shape: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3) },
    { dtype: 'float64', shape: [3], data: new Float64Array([Math.PI, -1e300, 5e-324]) },
    { dtype: 'uint8', shape: [2, 2], data: new Uint8Array([0, 1, 254, 255]) },
    { dtype: 'int16', shape: [4], data: new Int16Array([-32768, -1, 0, 32767]) },
    { dtype: 'uint16', shape: [1, 3], data: new Uint16Array([0, 1234, 65535]) },
    { dtype: 'int32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
    { dtype: 'complex64', shape: [2], data: new Float32Array([1, -2, 3.5, 4]) },
    { dtype: 'float32', shape: [], data: new Float32Array([7]) },
  ];
  for (const arr of cases) {
    it(`${arr.dtype} [${arr.shape.join(', ')}] survives encode/decode`, () => {
      const back = decodeNpy(encodeNpy(arr));
      assert.equal(back.dtype, arr.dtype);
      assert.deepEqual(back.shape, arr.shape);
      assert.deepEqual(back.data, arr.data);
    });
  }

  it('writes and reads .npy.gz files (gzip recognised by content)', async () => {
    const path = join(tmp, 'a.npy.gz');
    const arr: NdArray = { dtype: 'float32', shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    await writeNpy(path, arr);
    const raw = readFileSync(path);
    assert.deepEqual([raw[0], raw[1]], [0x1f, 0x8b]);
    assert.deepEqual((await readNpy(path)).data, arr.data);
  });
});

describe('decodeNpy of other layouts', () => {
  function handMade(dict: string, major: number, body: Buffer): Buffer {
    const prefix = major === 1 ? 10 : 12;
    const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
    const head = Buffer.alloc(total, 0x20);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
    if (major === 1) head.writeUInt16LE(total - prefix, 8);
    else head.writeUInt32LE(total - prefix, 8);
    head.write(dict, prefix, 'latin1');
    head[total - 1] = 0x0a;
    return Buffer.concat([head, body]);
  }

  it('reorders Fortran-order big-endian int16 into C order', () => {
    // [[1, 2, 3], [4, 5, 6]] in column-major order is 1 4 2 5 3 6.
    const body = Buffer.alloc(12);
    [1, 4, 2, 5, 3, 6].forEach((v, i) => body.writeInt16BE(v, 2 * i));
    const arr = decodeNpy(handMade("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", 1, body));
    assert.equal(arr.dtype, 'int16');
    assert.deepEqual(arr.shape, [2, 3]);
    assert.deepEqual(Array.from(arr.data), [1, 2, 3, 4, 5, 6]);
  });

  it('reorders a 3-d Fortran-order array', () => {
    // C value at (i, j, k) = 100i + 10j + k; Fortran storage runs i fastest.
    const shape = [2, 3, 4];
    const vals: number[] = [];
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) vals.push(100 * i + 10 * j + k);
    const body = Buffer.from(new Float32Array(vals).buffer);
    const arr = decodeNpy(handMade("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", 1, body));
    assert.deepEqual(arr.shape, shape);
    assert.equal(arr.data[(1 * 3 + 2) * 4 + 3], 123);
    assert.equal(arr.data[(0 * 3 + 1) * 4 + 2], 12);
  });

  it('reads version 2.0 headers', () => {
    const arr = decodeNpy(handMade("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 2, Buffer.from(new Int32Array([7, -7]).buffer)));
    assert.deepEqual(Array.from(arr.data), [7, -7]);
  });

  it('rejects bad magic, unknown dtypes and truncated data with the source named', () => {
    assert.throws(() => decodeNpy(Buffer.from('hello world, not npy'), 'x.npy'), /^Error: x\.npy: not a \.npy file/);
    assert.throws(() => decodeNpy(handMade("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", 1, Buffer.alloc(12)), 'y.npy'), /y\.npy: .*descr '<U3' is not supported/);
    assert.throws(() => decodeNpy(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", 1, Buffer.alloc(8)), 'z.npy'), /z\.npy: truncated/);
    assert.equal(decodeNpy(gzipSync(encodeNpy({ dtype: 'uint8', shape: [1], data: new Uint8Array([9]) }))).data[0], 9);
  });
});

describe('real files written by numpy (shared/data)', () => {
  const files = [
    ['phantoms/brainweb-3d/BrainModel_anatomy.npy', 'uint8', [216, 180, 180]],
    ['real/nist-t2-plate4-siemens-1p5t/site1_T2_SE32.npy', 'uint16', [32, 192, 192]],
    ['real/qmrlab-met2-cpmg32/MET2data.npy', 'float32', [32, 64, 64]],
    ['real/rat-mge15-kspace/rat6w_mge_kspace.npy', 'complex64', [15, 256, 256]],
  ] as const;
  for (const [rel, dtype, shape] of files) {
    const path = join(sharedData, rel);
    it(`reads ${rel} and re-encodes it byte for byte`, { skip: !existsSync(path) && 'shared/data absent' }, () => {
      const original = readFileSync(path);
      const arr = decodeNpy(original, path);
      assert.equal(arr.dtype, dtype);
      assert.deepEqual(arr.shape, shape);
      assert.ok(encodeNpy(arr).equals(original));
    });
  }
});

describe('cross-check with numpy', { skip: !hasNumpy && `${PY} with numpy absent` }, () => {
  it('numpy reads what we write and writes what we read, byte for byte', async () => {
    const arrays: Record<string, NdArray> = {
      f4: { dtype: 'float32', shape: [3, 1, 2], data: new Float32Array([0.1, -2, 3e7, 4, 5, -6.25]) },
      c8: { dtype: 'complex64', shape: [2, 2], data: new Float32Array([1, 2, 3, 4, 5, 6, 7, -8]) },
      u2: { dtype: 'uint16', shape: [1234567], data: Uint16Array.from({ length: 1234567 }, (_, i) => i % 65536) },
    };
    for (const [name, arr] of Object.entries(arrays)) await writeNpy(join(tmp, `${name}.npy`), arr);
    const script = `
import numpy as np, sys, os
d = sys.argv[1]
a = np.load(os.path.join(d, 'f4.npy')); assert a.dtype == np.float32 and a.shape == (3, 1, 2), a
assert np.array_equal(a.ravel(), np.array([0.1, -2, 3e7, 4, 5, -6.25], np.float32))
c = np.load(os.path.join(d, 'c8.npy')); assert c.dtype == np.complex64 and c[1, 1] == 7 - 8j and c[0, 1] == 3 + 4j
u = np.load(os.path.join(d, 'u2.npy')); assert u.shape == (1234567,) and u[70000] == 70000 % 65536
np.save(os.path.join(d, 'py_f8.npy'), np.arange(24, dtype='<f8').reshape(2, 3, 4) / 7)
np.save(os.path.join(d, 'py_i4.npy'), np.array([[-5, 6]], dtype='<i4'))
np.save(os.path.join(d, 'py_f4_fortran.npy'), np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
`;
    const r = spawnSync(PY, ['-c', script, tmp], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['f4', 'c8', 'u2']) {
      // numpy's own file for our array must equal ours: re-save each through numpy.
      const r2 = spawnSync(PY, ['-c', 'import numpy as np,sys; np.save(sys.argv[2], np.load(sys.argv[1]))', join(tmp, `${name}.npy`), join(tmp, `${name}_np.npy`)]);
      assert.equal(r2.status, 0);
      assert.ok(readFileSync(join(tmp, `${name}.npy`)).equals(readFileSync(join(tmp, `${name}_np.npy`))), `${name} bytes differ from numpy`);
    }
    const f8 = await readNpy(join(tmp, 'py_f8.npy'));
    assert.deepEqual(f8.shape, [2, 3, 4]);
    assert.equal(f8.data[23], 23 / 7);
    assert.deepEqual(Array.from((await readNpy(join(tmp, 'py_i4.npy'))).data), [-5, 6]);
    assert.deepEqual(Array.from((await readNpy(join(tmp, 'py_f4_fortran.npy'))).data), [0, 1, 2, 3, 4, 5]);
  });
});
