import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, foldBatchNorm, OnnxFormatError, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../src/index.js';
import { randomFloat32, seededRandom, toleranceRatio } from '@bnkit/spec/test';
import { runModel } from './helpers.js';

const random = seededRandom(11);
const f32 = (name: string, dims: number[], lo = -1, hi = 1): OnnxTensor => ({ name, dataType: 'float32', dims, values: randomFloat32(random, dims.reduce((a, b) => a * b, 1), lo, hi) });

function bnNode(input: string, output: string, prefix: string): { node: OnnxNode; initializers: OnnxTensor[] } {
  return {
    node: { opType: 'BatchNormalization', name: `${prefix}_bn`, inputs: [input, `${prefix}_s`, `${prefix}_b`, `${prefix}_m`, `${prefix}_v`], outputs: [output], attributes: { epsilon: { float: 1e-3 } } },
    initializers: [f32(`${prefix}_s`, [3], 0.5, 2), f32(`${prefix}_b`, [3]), f32(`${prefix}_m`, [3], -2, 2), f32(`${prefix}_v`, [3], 0.1, 2)],
  };
}

function convModel(withBias: boolean): OnnxGraph {
  const bn = bnNode('c', 'Y', 'p');
  return {
    name: 'conv_bn',
    nodes: [{ opType: 'Conv', name: 'conv', inputs: withBias ? ['X', 'W', 'B'] : ['X', 'W'], outputs: ['c'], attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } } }, bn.node],
    inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 2, 5, 5] }],
    outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 3, 5, 5] }],
    initializers: [f32('W', [3, 2, 3, 3]), ...(withBias ? [f32('B', [3])] : []), ...bn.initializers],
  };
}

function gemmModel(withBias: boolean, transB: 0 | 1): OnnxGraph {
  const bn = bnNode('g', 'Y', 'p');
  return {
    name: 'gemm_bn',
    nodes: [{ opType: 'Gemm', name: 'gemm', inputs: withBias ? ['X', 'W', 'C'] : ['X', 'W'], outputs: ['g'], attributes: { transB: { int: transB }, alpha: { float: 0.7 }, beta: { float: 0.5 } } }, bn.node],
    inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 5] }],
    outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 3] }],
    initializers: [f32('W', transB ? [3, 5] : [5, 3]), ...(withBias ? [f32('C', [3])] : []), ...bn.initializers],
  };
}

async function expectSameOutputs(graph: OnnxGraph, xDims: number[]): Promise<Uint8Array> {
  const bytes = encodeModel(graph, { opset: 15 });
  const { bytes: folded, folded: done, skipped } = foldBatchNorm(bytes);
  expect(skipped).toEqual([]);
  expect(done).toHaveLength(1);
  expect(decodeModel(folded).graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
  const x = randomFloat32(seededRandom(5), xDims.reduce((a, b) => a * b, 1), -2, 2);
  const before = (await runModel(bytes, { X: { data: x, dims: xDims } }))['Y'] as Float32Array;
  const after = (await runModel(folded, { X: { data: x, dims: xDims } }))['Y'] as Float32Array;
  expect(toleranceRatio(after, before, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  return folded;
}

describe('foldBatchNorm', () => {
  for (const withBias of [true, false]) {
    it(`folds Conv -> BN ${withBias ? 'with' : 'without'} bias with the same outputs`, async () => {
      const folded = await expectSameOutputs(convModel(withBias), [2, 2, 5, 5]);
      expect(decodeModel(folded).graph.initializers.map((t) => t.name).sort()).toEqual(withBias ? ['B', 'W'] : ['W', 'conv_bias_bn_folded']);
    });
    for (const transB of [0, 1] as const) {
      it(`folds Gemm -> BN ${withBias ? 'with' : 'without'} bias, transB ${transB}, with the same outputs`, async () => {
        await expectSameOutputs(gemmModel(withBias, transB), [4, 5]);
      });
    }
  }

  it('copies a weight another node shares instead of changing it', async () => {
    const graph = convModel(true);
    const shared: OnnxGraph = {
      ...graph,
      nodes: [...graph.nodes, { opType: 'Conv', name: 'conv2', inputs: ['X', 'W'], outputs: ['Z'], attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } } }],
      outputs: [...graph.outputs, { name: 'Z', dataType: 'float32', shape: ['N', 3, 5, 5] }],
    };
    const bytes = encodeModel(shared, { opset: 15 });
    const { bytes: folded } = foldBatchNorm(bytes);
    const x = randomFloat32(seededRandom(6), 100, -2, 2);
    const before = await runModel(bytes, { X: { data: x, dims: [2, 2, 5, 5] } });
    const after = await runModel(folded, { X: { data: x, dims: [2, 2, 5, 5] } });
    expect(after['Z']).toEqual(before['Z']);
    expect(toleranceRatio(after['Y'] as Float32Array, before['Y'] as Float32Array, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('leaves BN alone when the Conv output feeds anything else, or no Conv/Gemm precedes it', () => {
    const graph = convModel(true);
    const alsoOutput: OnnxGraph = { ...graph, outputs: [...graph.outputs, { name: 'c', dataType: 'float32', shape: ['N', 3, 5, 5] }] };
    const result = foldBatchNorm(encodeModel(alsoOutput, { opset: 15 }));
    expect(result.folded).toEqual([]);
    expect(result.skipped).toEqual([{ batchNorm: 'p_bn', reason: expect.stringMatching(/also feeds other nodes or the graph output/) }]);
    const relu: OnnxGraph = {
      ...graph,
      nodes: [{ ...(graph.nodes[0] as OnnxNode), outputs: ['r'] }, { opType: 'Relu', inputs: ['r'], outputs: ['c'] }, graph.nodes[1] as OnnxNode],
    };
    expect(foldBatchNorm(encodeModel(relu, { opset: 15 })).skipped[0]?.reason).toMatch(/does not come from a Conv or Gemm/);
  });

  it('throws OnnxFormatError on malformed bytes', () => {
    expect(() => foldBatchNorm(new Uint8Array([1, 2, 3]))).toThrow(OnnxFormatError);
  });
});
