import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BnValueError, referenceInference, referenceTrainForward } from '@bnkit/core';
import { encodeModel, encodeTensor, type OnnxGraph, type OnnxTensor } from '@bnkit/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnnxNodeTests } from '../src/index.js';
import { normalArray, seededRandom } from '@bnkit/spec/test';

let root: string;

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
}

const f32 = (name: string, dims: number[], values: ArrayLike<number>): OnnxTensor => ({ name, dataType: 'float32', dims, values: Float32Array.from(values) });

/** Writes one node-test directory: the model and one data set of inputs and expected outputs. */
async function writeNodeTest(name: string, graph: OnnxGraph, inputs: OnnxTensor[], outputs: OnnxTensor[]): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'test_data_set_0'), { recursive: true });
  await writeAtomic(join(dir, 'model.onnx'), encodeModel(graph, { opset: 15 }));
  for (const [i, tensor] of inputs.entries()) await writeAtomic(join(dir, 'test_data_set_0', `input_${i}.pb`), encodeTensor(tensor));
  for (const [i, tensor] of outputs.entries()) await writeAtomic(join(dir, 'test_data_set_0', `output_${i}.pb`), encodeTensor(tensor));
  return dir;
}

/** A BatchNormalization model as the ONNX node tests declare it: x [2, 3, 4, 5], per-channel inputs of length 3. */
function batchNormGraph(eps: number, training: boolean): OnnxGraph {
  const outputs = training ? ['y', 'output_mean', 'output_var'] : ['y'];
  return {
    name: 'test_batchnorm',
    nodes: [{ opType: 'BatchNormalization', inputs: ['x', 's', 'bias', 'mean', 'var'], outputs, attributes: { epsilon: { float: eps }, ...(training ? { training_mode: { int: 1 } } : {}) } }],
    inputs: [{ name: 'x', dataType: 'float32', shape: [2, 3, 4, 5] }, ...['s', 'bias', 'mean', 'var'].map((n) => ({ name: n, dataType: 'float32' as const, shape: [3] }))],
    outputs: outputs.map((n) => ({ name: n, dataType: 'float32' as const, shape: n === 'y' ? [2, 3, 4, 5] : [3] })),
  };
}

function batchNormData(seed: number) {
  const uniform = seededRandom(seed);
  return {
    x: normalArray(uniform, 120, 'float32'),
    s: normalArray(uniform, 3, 'float32'),
    bias: normalArray(uniform, 3, 'float32'),
    mean: normalArray(uniform, 3, 'float32'),
    var: Float32Array.from(normalArray(uniform, 3, 'float32'), (v) => 0.5 + Math.abs(v)),
  };
}

/** Inputs with the names the model declares, or unnamed (bound by position) when `named` is false. */
function inputTensors(d: ReturnType<typeof batchNormData>, named = true): OnnxTensor[] {
  const n = (name: string) => (named ? name : '');
  return [f32(n('x'), [2, 3, 4, 5], d.x), ...(['s', 'bias', 'mean', 'var'] as const).map((k) => f32(n(k), [3], d[k]))];
}

async function inferenceTest(name: string, eps: number, seed: number, tamper = false, named = true): Promise<string> {
  const d = batchNormData(seed);
  const y = referenceInference({ x: d.x, shape: [2, 3, 4, 5], layout: 'NCHW', gamma: d.s, beta: d.bias, runningMean: d.mean, runningVar: d.var, options: { convention: 'onnx', eps } }).y;
  if (tamper) y[17] = (y[17] as number) + 0.5;
  return writeNodeTest(name, batchNormGraph(eps, false), inputTensors(d, named), [f32(named ? 'y' : '', [2, 3, 4, 5], y)]);
}

async function trainingTest(name: string, eps: number, seed: number): Promise<string> {
  const d = batchNormData(seed);
  // ONNX's training-mode BatchNormalization: momentum 0.9 on the old value, biased running variance.
  const out = referenceTrainForward({ x: d.x, shape: [2, 3, 4, 5], layout: 'NCHW', gamma: d.s, beta: d.bias, runningMean: d.mean, runningVar: d.var, options: { convention: 'onnx', eps, momentum: 0.9 } });
  return writeNodeTest(name, batchNormGraph(eps, true), inputTensors(d), [
    f32('y', [2, 3, 4, 5], out.y),
    f32('output_mean', [3], out.runningMean as Float64Array),
    f32('output_var', [3], out.runningVar as Float64Array),
  ]);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bnkit-node-tests-'));
  await inferenceTest('test_batchnorm_example', 1e-5, 1);
  await inferenceTest('test_batchnorm_epsilon', 1e-2, 2);
  await trainingTest('test_batchnorm_example_training_mode', 1e-5, 3);
  await trainingTest('test_batchnorm_epsilon_training_mode', 1e-2, 4);
  await inferenceTest('test_batchnorm_unnamed_tensors', 1e-5, 5, false, false);
  await mkdir(join(root, 'not_a_test'));
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('runOnnxNodeTests', () => {
  it('passes the BatchNormalization node tests written with reference outputs, inference and training mode', async () => {
    const results = await runOnnxNodeTests(root);
    expect(results.map((r) => r.name)).toEqual([
      'test_batchnorm_epsilon',
      'test_batchnorm_epsilon_training_mode',
      'test_batchnorm_example',
      'test_batchnorm_example_training_mode',
      'test_batchnorm_unnamed_tensors',
    ]);
    for (const result of results) {
      expect(result.reason).toBeUndefined();
      expect(result.passed).toBe(true);
      expect(result.dataSets).toBe(1);
      expect(result.maxError).toBeLessThan(1e-5);
    }
  });

  it('fails a test whose expected output is off, naming the element', async () => {
    const dir = await inferenceTest('test_batchnorm_tampered', 1e-5, 6, true);
    const [result] = await runOnnxNodeTests([dir]);
    expect(result?.passed).toBe(false);
    expect(result?.maxError).toBeGreaterThan(0.4);
    expect(result?.reason).toMatch(/output y\[17\]/);
  });

  it('fails, with the error as its reason, a test whose model cannot load', async () => {
    const dir = join(root, 'broken', 'test_broken_model');
    await mkdir(join(dir, 'test_data_set_0'), { recursive: true });
    await writeAtomic(join(dir, 'model.onnx'), Uint8Array.from([1, 2, 3, 4, 5]));
    const [result] = await runOnnxNodeTests(join(root, 'broken'));
    expect(result?.passed).toBe(false);
    expect(result?.maxError).toBe(Infinity);
    expect(result?.reason).toBeTruthy();
  });

  it('throws a BnValueError for a path holding no test, and for a negative tolerance', async () => {
    await expect(runOnnxNodeTests(join(root, 'not_a_test'))).rejects.toBeInstanceOf(BnValueError);
    await expect(runOnnxNodeTests(root, { tolerance: { rel: -1 } })).rejects.toBeInstanceOf(BnValueError);
  });
});
