import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BnBackendError,
  BnValueError,
  closeBackend,
  listBackends,
  openBackend,
  referenceBackward,
  referenceTrainForward,
  type TrainForwardInput,
} from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { createOnnxruntimeWebBackend, WEB_BACKEND_NAMES } from '../src/index.js';

const c = 3;
const shape = [2, c, 2];

function request(make: (values: readonly number[]) => Float32Array | Float64Array): TrainForwardInput {
  return {
    x: make([0.5, -1, 2, 1.5, 0, 3, -0.5, 1, 4, 2.5, -2, 5]),
    shape,
    layout: 'NCL',
    gamma: make([1, 0.5, 2]),
    beta: make([0, 1, -1]),
    runningMean: make([0.1, 0.2, 0.3]),
    runningVar: make([1, 2, 0.5]),
  };
}

function maxDifference(a: ArrayLike<number> | undefined, b: ArrayLike<number>): number {
  if (!a || a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe('registration', () => {
  it('registers onnxruntime-web for Node and browsers and onnxruntime-webgpu for browsers only', () => {
    expect(listBackends({ environment: 'node' })).toContain('onnxruntime-web');
    expect(listBackends({ environment: 'node' })).not.toContain('onnxruntime-webgpu');
    expect(listBackends({ environment: 'browser' })).toEqual(expect.arrayContaining(['onnxruntime-web', 'onnxruntime-webgpu']));
  });

  it('opens onnxruntime-web in Node from the installed wasm files', async () => {
    const opened = await openBackend('onnxruntime-web');
    expect(opened.status).toBe('ready');
    if (opened.status === 'ready') expect((await opened.backend.trainForward(request((v) => Float32Array.from(v)))).y).toHaveLength(12);
    await closeBackend('onnxruntime-web');
  });

  it('reports onnxruntime-webgpu unavailable in Node with the reason', async () => {
    const opened = await openBackend('onnxruntime-webgpu');
    expect(opened.status).toBe('unavailable');
    if (opened.status === 'unavailable') expect(opened.reason).toContain('navigator.gpu');
    await closeBackend('onnxruntime-webgpu');
  });
});

describe('onnxruntime-web (wasm) in Node', () => {
  it('float64 x runs float64 graphs: statistics and y agree with the reference to float64 rounding', async () => {
    const backend = createOnnxruntimeWebBackend();
    const input = request((v) => Float64Array.from(v));
    const out = await backend.trainForward(input);
    const expected = referenceTrainForward(input);
    expect(out.y).toBeInstanceOf(Float64Array);
    // eps is a float32 attribute in ONNX, so y sees eps rounded to float32: a change far below 1e-10 here.
    expect(maxDifference(out.y, expected.y)).toBeLessThan(1e-10);
    expect(maxDifference(out.batchVar, expected.batchVar)).toBeLessThan(1e-14);
    const dy = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const backwardInput = { x: input.x, shape, layout: input.layout, gamma: input.gamma, dy, savedMean: expected.batchMean, savedInvStd: expected.invStd };
    const grads = await backend.backward(backwardInput);
    const reference = referenceBackward(backwardInput);
    expect(maxDifference(grads.dx, reference.dx)).toBeLessThan(1e-12);
    await backend.dispose();
  });

  it('copies SharedArrayBuffer inputs (arrays from cpu allocate()) and gives the same result as ordinary arrays', async () => {
    const backend = createOnnxruntimeWebBackend();
    const shared = (values: readonly number[]) => {
      const array = new Float32Array(new SharedArrayBuffer(values.length * 4));
      array.set(values);
      return array;
    };
    const plain = await backend.trainForward(request((v) => Float32Array.from(v)));
    const fromShared = await backend.trainForward(request(shared));
    expect(Array.from(fromShared.y)).toEqual(Array.from(plain.y));
    await backend.dispose();
  });

  it('keeps the dispose contract: BnBackendError naming the backend after dispose, usable again after init', async () => {
    const backend = createOnnxruntimeWebBackend();
    const input = request((v) => Float32Array.from(v));
    await backend.init();
    await backend.inference(input);
    await backend.dispose();
    expect(backend.cachedSessions).toBe(0);
    const error = await backend.inference(input).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BnBackendError);
    expect((error as BnBackendError).argument).toBe(WEB_BACKEND_NAMES.wasm);
    await backend.init();
    await expect(backend.inference(input)).resolves.toHaveProperty('y');
    await backend.dispose();
  });

  it('webgpu outside a browser: every operation rejects with BnBackendError giving the reason', async () => {
    const backend = createOnnxruntimeWebBackend({ executionProvider: 'webgpu' });
    expect(backend.capabilities.dtypes).toEqual(['float32']);
    const error = await backend.trainForward(request((v) => Float32Array.from(v))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BnBackendError);
    expect((error as BnBackendError).message).toContain('onnxruntime-webgpu');
    await expect(backend.init()).rejects.toBeInstanceOf(BnBackendError);
  });

  it('checks its options', () => {
    expect(() => createOnnxruntimeWebBackend({ executionProvider: 'webgl' as 'wasm' })).toThrow(BnValueError);
    expect(() => createOnnxruntimeWebBackend({ numThreads: 0 })).toThrow(BnValueError);
    expect(() => createOnnxruntimeWebBackend({ cacheSize: 1.5 })).toThrow(BnValueError);
    expect(() => createOnnxruntimeWebBackend({ wasmPaths: 3 as unknown as string })).toThrow(BnValueError);
  });
});

describe('what a browser loads', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const engineEntry = resolve(here, '../../onnxruntime/src/engine.ts');
  const nodeBuiltins = new Set(builtinModules);

  /** Every module specifier reachable from the package's index through relative imports and `@bnkit/onnxruntime/engine`. */
  function reachableImports(): { files: string[]; bare: Set<string> } {
    const files: string[] = [];
    const bare = new Set<string>();
    const pending = [resolve(here, '../src/index.ts')];
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (files.includes(file)) continue;
      files.push(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
        const specifier = (match[1] ?? match[2]) as string;
        if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else if (specifier === '@bnkit/onnxruntime/engine') pending.push(engineEntry);
        else bare.add(specifier);
      }
    }
    return { files, bare };
  }

  it('imports no node: module or Node built-in, here or in the shared engine of @bnkit/onnxruntime', () => {
    const { files, bare } = reachableImports();
    expect(files).toContain(engineEntry);
    expect(files.some((file) => file.endsWith('ort-runtime.ts') || file.endsWith('node-tests.ts'))).toBe(false);
    const nodeOnly = [...bare].filter((specifier) => specifier.startsWith('node:') || nodeBuiltins.has(specifier));
    expect(nodeOnly).toEqual([]);
    expect([...bare].sort()).toEqual(['@bnkit/core', '@bnkit/onnx', 'onnxruntime-web']);
  });
});
