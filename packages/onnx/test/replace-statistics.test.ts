import { BnShapeError, BnValueError, referenceInference } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { exportBatchNormModel, listBatchNormNodes, OnnxFormatError, replaceBatchNormStatistics } from '../src/index.js';
import { onnx } from '../src/proto.js';
import { randomFloat32, seededRandom, toleranceRatio } from '@bnkit/spec/test';
import { runModel } from './helpers.js';

const original = {
  gamma: [1.5, 0.75, 2],
  beta: [0.1, -0.2, 0.3],
  runningMean: [0.4, -0.5, 0.6],
  runningVar: [0.7, 0.8, 0.9],
  eps: 1e-5,
};
const replacement = { gamma: [3, 4, 5], beta: [-1, -2, -3], runningMean: [10, 20, 30], runningVar: [2, 3, 4] };

/** A model with content beyond BN: doc strings, metadata, value_info, a Conv, a Relu, and one statistic in float_data. */
function richModel(): Uint8Array {
  const f32 = (name: string, dims: number[], values: number[], raw = true) =>
    raw
      ? { name, dataType: 1, dims, rawData: new Uint8Array(Float32Array.from(values).buffer), docString: `doc of ${name}` }
      : { name, dataType: 1, dims, floatData: values };
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'hand-built',
    producerVersion: '0.0.1',
    docString: 'a model with more than BN',
    metadataProps: [{ key: 'author-note', value: 'keep me' }],
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'rich',
      docString: 'graph doc',
      node: [
        { opType: 'Conv', name: 'conv', input: ['X', 'W'], output: ['c'], attribute: [{ name: 'kernel_shape', type: 7, ints: [1, 1] }], docString: 'conv doc' },
        { opType: 'BatchNormalization', name: 'bn', input: ['c', 's', 'b', 'm', 'v'], output: ['n'], attribute: [{ name: 'epsilon', type: 1, f: 1e-5 }] },
        { opType: 'Relu', name: 'relu', input: ['n'], output: ['Y'] },
      ],
      initializer: [
        f32('W', [3, 2, 1, 1], [1, 2, 3, 4, 5, 6]),
        f32('s', [3], original.gamma),
        f32('b', [3], original.beta, false),
        f32('m', [3], original.runningMean),
        f32('v', [3], original.runningVar),
      ],
      input: [{ name: 'X', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }, { dimValue: 2 }, { dimValue: 2 }] } } } }],
      output: [{ name: 'Y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }, { dimValue: 2 }, { dimValue: 2 }] } } } }],
      valueInfo: [{ name: 'c', docString: 'conv output' }],
    },
  }).finish();
}

/** Every offset where `needle` occurs in `haystack`. */
function occurrences(haystack: Uint8Array, needle: Uint8Array): number[] {
  const found: number[] = [];
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    found.push(i);
  }
  return found;
}

describe('replaceBatchNormStatistics', () => {
  it('replaced then replaced back gives the original bytes', () => {
    const bytes = exportBatchNormModel(original, { layout: 'NHWC' });
    const [before] = listBatchNormNodes(bytes);
    const changed = replaceBatchNormStatistics(bytes, [{ node: 'bn', ...replacement, eps: 1e-3 }]);
    expect(changed).not.toEqual(bytes);
    const [after] = listBatchNormNodes(changed);
    expect(after?.gamma).toEqual(Float32Array.from(replacement.gamma));
    expect(after?.runningMean).toEqual(Float32Array.from(replacement.runningMean));
    expect(after?.eps).toBe(Math.fround(1e-3));
    const back = replaceBatchNormStatistics(changed, [
      { node: 'bn', gamma: before!.gamma, beta: before!.beta, runningMean: before!.runningMean, runningVar: before!.runningVar, eps: before!.eps },
    ]);
    expect(back).toEqual(bytes);
  });

  it('changes no byte outside the raw data of the replaced tensors when sizes are equal', () => {
    const bytes = richModel();
    const changed = replaceBatchNormStatistics(bytes, [{ node: 'bn', gamma: replacement.gamma, runningVar: replacement.runningVar }]);
    expect(changed.length).toBe(bytes.length);
    const spans = [original.gamma, original.runningVar].map((values) => {
      const at = occurrences(bytes, new Uint8Array(Float32Array.from(values).buffer));
      expect(at).toHaveLength(1);
      return [at[0] as number, (at[0] as number) + 4 * values.length] as const;
    });
    const differing = [...bytes.keys()].filter((i) => bytes[i] !== changed[i]);
    expect(differing.length).toBeGreaterThan(0);
    for (const i of differing) expect(spans.some(([lo, hi]) => i >= lo && i < hi), `byte ${i}`).toBe(true);
  });

  it('keeps doc strings, metadata, value_info and other nodes, and rewrites float_data statistics', () => {
    const bytes = richModel();
    const changed = replaceBatchNormStatistics(bytes, [{ node: 'bn', ...replacement }]);
    const a = onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number, bytes: Array }) as Record<string, unknown>;
    const b = onnx.ModelProto.toObject(onnx.ModelProto.decode(changed), { longs: Number, bytes: Array }) as Record<string, unknown>;
    const graphA = a['graph'] as Record<string, unknown[]>;
    const graphB = b['graph'] as Record<string, unknown[]>;
    expect({ ...b, graph: undefined }).toEqual({ ...a, graph: undefined });
    expect(graphB['node']).toEqual(graphA['node']);
    expect(graphB['valueInfo']).toEqual(graphA['valueInfo']);
    expect(graphB['initializer']?.[0]).toEqual(graphA['initializer']?.[0]);
    expect((graphB['initializer']?.[1] as { docString: string }).docString).toBe('doc of s');
    const [node] = listBatchNormNodes(changed);
    expect(node?.beta).toEqual(Float32Array.from(replacement.beta));
    expect(node?.runningVar).toEqual(Float32Array.from(replacement.runningVar));
  });

  it('gives a model whose outputs in onnxruntime-node follow the new statistics', async () => {
    const bytes = replaceBatchNormStatistics(exportBatchNormModel(original, { layout: 'NCHW' }), [{ node: 'bn', ...replacement, eps: 0.01 }]);
    const shape = [2, 3, 2, 2];
    const x = randomFloat32(seededRandom(3), 24, -5, 5);
    const { Y } = await runModel(bytes, { X: { data: x, dims: shape } });
    const f = (v: number[]) => Float32Array.from(v);
    const expected = referenceInference({
      x, shape, layout: 'NCHW',
      gamma: f(replacement.gamma), beta: f(replacement.beta), runningMean: f(replacement.runningMean), runningVar: f(replacement.runningVar),
      options: { eps: Math.fround(0.01) },
    }).y;
    expect(toleranceRatio(Y as Float32Array, expected, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('refuses an unknown node, wrong lengths, bad values and malformed bytes with typed errors', () => {
    const bytes = exportBatchNormModel(original);
    expect(() => replaceBatchNormStatistics(bytes, [{ node: 'nope', gamma: [1, 2, 3] }])).toThrow(BnValueError);
    expect(() => replaceBatchNormStatistics(bytes, [{ node: 'nope', gamma: [1, 2, 3] }])).toThrow(/updates\[0\]\.node/);
    expect(() => replaceBatchNormStatistics(bytes, [{ node: 'bn', gamma: [1, 2] }])).toThrow(BnShapeError);
    expect(() => replaceBatchNormStatistics(bytes, [{ node: 'bn', runningVar: [1, -2, 3] }])).toThrow(/runningVar/);
    expect(() => replaceBatchNormStatistics(bytes, [{ node: 'bn', eps: Number.NaN }])).toThrow(/eps/);
    expect(() => replaceBatchNormStatistics(bytes.subarray(0, bytes.length - 3), [{ node: 'bn' }])).toThrow(OnnxFormatError);
  });

  it('refuses to change an initializer other nodes also read', () => {
    const model = onnx.ModelProto.decode(exportBatchNormModel(original));
    model.graph!.node![0]!.input![2] = 'bn.scale';
    const shared = onnx.ModelProto.encode(model).finish();
    expect(() => replaceBatchNormStatistics(shared, [{ node: 'bn', gamma: [1, 1, 1] }])).toThrow(/read by 2 node inputs/);
  });
});
