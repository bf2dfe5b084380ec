/**
 * Choosing the TensorFlow.js backend: native TensorFlow on a GPU when it is really there, else
 * WebAssembly (SIMD, one thread on Node), else the plain-JS cpu backend.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerConvGradients } from './conv-gradients.js';
import { registerCoreGradients } from './core-gradients.js';

/** Which backend to use; 'auto' = GPU TensorFlow if usable, else wasm, else cpu. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What {@link initBackend} chose. */
export interface BackendInfo {
  /** TensorFlow.js backend name: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** True only when native TensorFlow reports it is using a GPU device. */
  gpu: boolean;
  /** One line on why this backend (e.g. why not the GPU). */
  note: string;
}

const cache = new Map<BackendPreference, BackendInfo>();
let wasmPathSet = false;

function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}

/**
 * Load the optional native binding. The package name sits in a variable so TypeScript does not need
 * its types (it is an optionalDependency that cannot install without downloading libtensorflow).
 */
async function tryNativeTensorflow(): Promise<{ ok: true; gpu: boolean } | { ok: false; why: string }> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (!(await tf.setBackend('tensorflow'))) {
        reasons.push(`${pkg} loaded but the 'tensorflow' backend did not initialise`);
        continue;
      }
      const gpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
      return { ok: true, gpu };
    } catch (e) {
      reasons.push(`${pkg}: ${errorLine(e)}`);
    }
  }
  return { ok: false, why: reasons.join('; ') };
}

async function useWasm(): Promise<boolean> {
  if (!wasmPathSet && tf.findBackend('wasm') === null) {
    // Point at the package's dist folder explicitly, so the .wasm binaries are found even when this
    // module is bundled or run from another working directory.
    const require = createRequire(import.meta.url);
    const main = require.resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(path.dirname(main) + path.sep);
    wasmPathSet = true;
  }
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Select and initialise the TensorFlow.js backend (idempotent per preference).
 *
 * - 'auto': `@tensorflow/tfjs-node-gpu` (or `-node`) if it loads AND `tf.backend().isUsingGpuDevice`;
 *   else wasm; else cpu. The note says why the GPU was not used (not installed; no CUDA 11.2 /
 *   cuDNN 8 so TensorFlow runs on the CPU; ...).
 * - 'tensorflow': native TensorFlow whether or not it found a GPU; throws if it cannot load.
 * - 'wasm' / 'cpu': that backend; throws if it cannot initialise.
 *
 * On wasm and cpu the Conv2D gradient is replaced ({@link registerConvGradients}): wasm lacks the
 * Conv2DBackpropFilter kernel, and the replacement is ~14× faster on cpu.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(preference)) {
    throw new Error(`preference: expected 'auto' | 'tensorflow' | 'wasm' | 'cpu', got ${String(preference)}`);
  }
  const cached = cache.get(preference);
  if (cached !== undefined) {
    if (tf.getBackend() !== cached.name) await tf.setBackend(cached.name);
    return cached;
  }
  let info: BackendInfo | undefined;
  let gpuWhyNot = '';
  if (preference === 'auto' || preference === 'tensorflow') {
    const native = await tryNativeTensorflow();
    if (native.ok && (native.gpu || preference === 'tensorflow')) {
      info = {
        name: 'tensorflow',
        gpu: native.gpu,
        note: native.gpu ? 'native TensorFlow on a GPU' : 'native TensorFlow found no GPU (needs CUDA 11.2 + cuDNN 8); running on CPU',
      };
    } else if (preference === 'tensorflow') {
      throw new Error(`preference: native TensorFlow backend unavailable (${native.ok ? 'no GPU' : native.why})`);
    } else {
      gpuWhyNot = native.ok
        ? 'tfjs-node-gpu loaded but found no GPU (needs CUDA 11.2 + cuDNN 8)'
        : `no native TensorFlow (${native.why})`;
    }
  }
  if (info === undefined && (preference === 'auto' || preference === 'wasm')) {
    if (await useWasm()) {
      registerConvGradients();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      info = { name: 'wasm', gpu: false, note: `wasm (SIMD ${simd ? 'on' : 'off'}, 1 thread on Node)${gpuWhyNot ? '; ' + gpuWhyNot : ''}` };
    } else if (preference === 'wasm') {
      throw new Error('preference: the wasm backend failed to initialise');
    }
  }
  if (info === undefined) {
    if (!(await tf.setBackend('cpu'))) throw new Error('preference: the cpu backend failed to initialise');
    registerConvGradients();
    info = { name: 'cpu', gpu: false, note: `plain-JS cpu backend (slow; for tests)${gpuWhyNot ? '; ' + gpuWhyNot : ''}` };
  }
  registerCoreGradients();
  await tf.ready();
  cache.set(preference, info);
  return info;
}
