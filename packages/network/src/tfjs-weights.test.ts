import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import type { NamedArray } from './checkpoint.js';
import { randomArray } from './fixtures.js';
import { createT2Net, t2NetShapes } from './model.js';
import { loadTfjsWeights, saveTfjsWeights } from './tfjs-weights.js';
import { checkWeights, getWeights } from './weights.js';

async function withTmp(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'relaxomap-tfjs-'));
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function someWeights(): Map<string, NamedArray> {
  return new Map<string, NamedArray>([
    ['head/conv', { shape: [3, 3, 2, 4], data: randomArray(72, 1) }],
    ['head/in/gamma', { shape: [4], data: Float32Array.from([1, -0, 1e-30, 3.5]) }],
    ['tail/bias', { shape: [2], data: Float32Array.from([NaN, -Infinity]) }],
    ['empty', { shape: [0, 3], data: new Float32Array(0) }],
  ]);
}

const manifest = { kind: 't2net', echoes: 2, TE_ms: [6, 12], t2Range: [1, 3000], net: { blocks: 0, width: 4 } };

test('saveTfjsWeights / loadTfjsWeights: bit-identical round trip, order, shapes and manifest', async () => {
  await withTmp(async (root) => {
    const dir = path.join(root, 'model');
    const w = someWeights();
    await saveTfjsWeights(dir, w, manifest);
    assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'relaxomap-weights');
    assert.deepEqual(json.weightsManifest, [{
      paths: ['weights.bin'],
      weights: [
        { name: 'head/conv', shape: [3, 3, 2, 4], dtype: 'float32' },
        { name: 'head/in/gamma', shape: [4], dtype: 'float32' },
        { name: 'tail/bias', shape: [2], dtype: 'float32' },
        { name: 'empty', shape: [0, 3], dtype: 'float32' },
      ],
    }]);
    assert.equal((await readFile(path.join(dir, 'weights.bin'))).byteLength, 4 * (72 + 4 + 2));

    const loaded = await loadTfjsWeights(dir);
    assert.deepEqual(loaded.manifest, manifest);
    assert.deepEqual([...loaded.weights.keys()], [...w.keys()]);
    for (const [name, a] of w) {
      const b = loaded.weights.get(name) as NamedArray;
      assert.deepEqual(b.shape, a.shape, name);
      // Byte comparison: NaN, −0 and denormals included.
      assert.ok(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).equals(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)), name);
    }
    // Saving again replaces the folder as a whole, and leaves no temp folder behind.
    await saveTfjsWeights(dir, new Map([['x', { shape: [1], data: Float32Array.of(7) }]]), { v: 2 });
    const again = await loadTfjsWeights(dir);
    assert.deepEqual([...again.weights.keys()], ['x']);
    assert.deepEqual(again.manifest, { v: 2 });
    assert.deepEqual(await readdir(root), ['model']);
  });
});

test('weights.bin is what TensorFlow.js writes and reads (tf.io.encodeWeights / decodeWeights / getModelArtifactsForJSON)', async () => {
  await initBackend('cpu');
  await withTmp(async (root) => {
    const net = createT2Net({ echoes: 3, width: 4, blocks: 1, seed: 5 });
    const w = await getWeights(net.variables);
    net.dispose();
    await saveTfjsWeights(root + '/m', w, manifest);
    const bin = await readFile(path.join(root, 'm', 'weights.bin'));
    const json = JSON.parse(await readFile(path.join(root, 'm', 'model.json'), 'utf8'));

    // tfjs's own encoder gives the same bytes and specs.
    const tensors = [...w].map(([name, a]) => ({ name, tensor: tf.tensor(a.data, a.shape) }));
    const enc = await tf.io.encodeWeights(tensors);
    assert.deepEqual(enc.specs, json.weightsManifest[0].weights);
    assert.ok(Buffer.from(enc.data as ArrayBuffer).equals(bin), 'same bytes as tf.io.encodeWeights');
    tf.dispose(tensors.map((t) => t.tensor));

    // tfjs's decoder reads our file back exactly.
    const ab = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const decoded = tf.io.decodeWeights(ab, json.weightsManifest[0].weights);
    assert.deepEqual(Object.keys(decoded), [...w.keys()]);
    for (const [name, a] of w) {
      assert.deepEqual(decoded[name]!.shape, a.shape, name);
      assert.deepEqual(decoded[name]!.dataSync(), a.data, name);
    }
    tf.dispose(Object.values(decoded));

    // And model.json is a model artefact it understands.
    const artifacts = await tf.io.getModelArtifactsForJSON(json, async () => [json.weightsManifest[0].weights, ab]);
    assert.equal(artifacts.weightSpecs?.length, w.size);
    assert.equal((artifacts.weightData as ArrayBuffer).byteLength, bin.byteLength);

    // The names and shapes are exactly the network's (what checkWeights verifies).
    checkWeights(t2NetShapes({ echoes: 3, width: 4, blocks: 1 }), (await loadTfjsWeights(root + '/m')).weights);
    assert.throws(() => checkWeights(t2NetShapes({ echoes: 4, width: 4, blocks: 1 }), w, 'pretrained'), /^Error: pretrained: variable head\/conv has shape \(3, 3, 3, 4\), the network expects \(3, 3, 4, 4\)$/);
    assert.throws(() => checkWeights(t2NetShapes({ echoes: 3, width: 4, blocks: 2 }), w), /weights: missing variable block1\/conv1/);
    assert.throws(() => checkWeights(t2NetShapes({ echoes: 3, width: 4, blocks: 0 }), w), /weights: variable block0\/conv1 is not in the network/);
  });
});

test('loadTfjsWeights: missing or corrupt files → one-line errors naming the file (and field)', async () => {
  await withTmp(async (root) => {
    const dir = path.join(root, 'model');
    const jsonPath = path.join(dir, 'model.json');
    const binPath = path.join(dir, 'weights.bin');
    const oneLine = (re: RegExp) => (err: Error) => re.test(err.message) && !err.message.includes('\n');
    await assert.rejects(loadTfjsWeights(dir), oneLine(new RegExp(`^${jsonPath}: missing`)));

    await saveTfjsWeights(dir, someWeights(), manifest);
    const good = await readFile(jsonPath, 'utf8');
    const bin = await readFile(binPath);

    await writeFile(binPath, bin.subarray(0, bin.byteLength - 4));
    await assert.rejects(loadTfjsWeights(dir), oneLine(new RegExp(`^${binPath}: size 308 bytes, weightsManifest\\[0\\] in ${jsonPath} expects 312$`)));
    await rm(binPath);
    await assert.rejects(loadTfjsWeights(dir), oneLine(new RegExp(`^${binPath}: missing`)));
    await writeFile(binPath, bin);

    await writeFile(jsonPath, good.slice(0, 40));
    await assert.rejects(loadTfjsWeights(dir), oneLine(new RegExp(`^${jsonPath}: invalid JSON`)));
    const edit = async (fn: (j: any) => void) => {
      const j = JSON.parse(good);
      fn(j);
      await writeFile(jsonPath, JSON.stringify(j));
    };
    await edit((j) => delete j.weightsManifest);
    await assert.rejects(loadTfjsWeights(dir), oneLine(/model\.json: weightsManifest: expected a non-empty array/));
    await edit((j) => (j.weightsManifest[0].weights[1].dtype = 'int32'));
    await assert.rejects(loadTfjsWeights(dir), oneLine(/model\.json: weightsManifest\[0\]\.weights\[1\]\.dtype: only float32/));
    await edit((j) => (j.weightsManifest[0].weights[0].shape = [3, -3]));
    await assert.rejects(loadTfjsWeights(dir), oneLine(/weightsManifest\[0\]\.weights\[0\]\.shape/));
    await edit((j) => (j.weightsManifest[0].weights[2].name = 'head/conv'));
    await assert.rejects(loadTfjsWeights(dir), oneLine(/weightsManifest\[0\]\.weights\[2\]\.name: duplicate weight head\/conv/));
    await edit((j) => (j.weightsManifest[0].paths = ['../weights.bin']));
    await assert.rejects(loadTfjsWeights(dir), oneLine(/weightsManifest\[0\]\.paths\[0\]: expected a file name beside model\.json/));
    await edit((j) => (j.relaxomap = [1]));
    await assert.rejects(loadTfjsWeights(dir), oneLine(/model\.json: relaxomap: expected an object/));
    // No relaxomap block (a plain tfjs model.json): weights load, manifest undefined.
    await edit((j) => delete j.relaxomap);
    assert.equal((await loadTfjsWeights(dir)).manifest, undefined);
    // Sharded weights (two files in one group) are concatenated in order.
    await writeFile(path.join(dir, 'a.bin'), bin.subarray(0, 100));
    await writeFile(path.join(dir, 'b.bin'), bin.subarray(100));
    await edit((j) => (j.weightsManifest[0].paths = ['a.bin', 'b.bin']));
    assert.deepEqual((await loadTfjsWeights(dir)).weights, someWeights());
  });
});

test('saveTfjsWeights: bad input throws naming the weight, and leaves an existing model untouched', async () => {
  await withTmp(async (root) => {
    const dir = path.join(root, 'model');
    await saveTfjsWeights(dir, someWeights(), manifest);
    await assert.rejects(saveTfjsWeights(dir, new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]), manifest), /weights: w: 3 values do not fill shape \(2, 2\)/);
    await assert.rejects(saveTfjsWeights(dir, new Map(), manifest), /weights: empty/);
    await assert.rejects(saveTfjsWeights(dir, someWeights(), null as unknown as object), /manifest: must be an object/);
    assert.deepEqual((await loadTfjsWeights(dir)).manifest, manifest);
    assert.deepEqual(await readdir(root), ['model']);
  });
});
