import { BnShapeError, BnValueError, LAYOUTS, referenceInference } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { buildBatchNormGraph, decodeModel, exportBatchNormModel, EXPORT_OPSETS } from '../src/index.js';
import { randomFloat32, seededRandom, SHAPES, toleranceRatio } from '@bnkit/spec/test';
import { runModel } from './helpers.js';

function statistics(seed: number) {
  const random = seededRandom(seed);
  return {
    gamma: randomFloat32(random, 3, 0.5, 2),
    beta: randomFloat32(random, 3, -1, 1),
    runningMean: randomFloat32(random, 3, -2, 2),
    runningVar: randomFloat32(random, 3, 0.1, 3),
    eps: 1e-3,
  };
}

describe('exportBatchNormModel in onnxruntime-node', () => {
  for (const opset of EXPORT_OPSETS) {
    for (const layout of LAYOUTS) {
      it(`opset ${opset} ${layout} equals referenceInference`, async () => {
        const stats = statistics(opset * 100 + LAYOUTS.indexOf(layout));
        const shape = SHAPES[layout];
        const x = randomFloat32(seededRandom(7), shape.reduce((a, b) => a * b, 1), -3, 3);
        const bytes = exportBatchNormModel(stats, { opset, layout });
        expect(decodeModel(bytes).opset).toBe(opset);
        const { Y } = await runModel(bytes, { X: { data: x, dims: shape } });
        const expected = referenceInference({ x, shape, layout, ...stats, options: { eps: stats.eps } }).y;
        expect(toleranceRatio(Y as Float32Array, expected, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      });
    }
  }

  it.each(EXPORT_OPSETS)('runs a float64 model at float64 precision (opset %i)', async (opset) => {
    const stats = { gamma: [1.5, 0.5], beta: [0.25, -1], runningMean: [1e4, -3], runningVar: [0.01, 2], eps: 1e-5 };
    const x = Float64Array.from({ length: 8 }, (_, i) => 1e4 + 0.1 * Math.sin(i));
    const bytes = exportBatchNormModel(stats, { dataType: 'float64', layout: 'NC', opset });
    const { Y } = await runModel(bytes, { X: { data: x, dims: [4, 2] } });
    const expected = referenceInference({ x, shape: [4, 2], layout: 'NC', gamma: Float64Array.from(stats.gamma), beta: Float64Array.from(stats.beta), runningMean: Float64Array.from(stats.runningMean), runningVar: Float64Array.from(stats.runningVar), options: { eps: 1e-5 } }).y;
    expect(Y).toBeInstanceOf(Float64Array);
    // eps is a float32 attribute in ONNX, so the model's eps differs from 1e-5 in the 13th digit.
    expect(toleranceRatio(Y as Float64Array, expected, 1e-9, 1e-9)).toBeLessThanOrEqual(1);
  });
});

describe('buildBatchNormGraph', () => {
  it('declares a channels-last layout through Transposes and fixes C in the declared shape', () => {
    const graph = buildBatchNormGraph(statistics(1), { layout: 'NHWC' });
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Transpose', 'BatchNormalization', 'Transpose']);
    expect(graph.nodes[0]?.attributes?.['perm']).toEqual({ ints: [0, 3, 1, 2] });
    expect(graph.nodes[2]?.attributes?.['perm']).toEqual({ ints: [0, 2, 3, 1] });
    expect(graph.inputs[0]?.shape).toEqual(['N', 'H', 'W', 3]);
  });

  it('writes momentum in the ONNX meaning (weight on the old value)', () => {
    const pytorch = buildBatchNormGraph({ ...statistics(1), momentum: 0.1, convention: 'pytorch' });
    const keras = buildBatchNormGraph({ ...statistics(1), momentum: 0.99, convention: 'keras' });
    const momentum = (g: typeof pytorch) => (g.nodes[0]?.attributes?.['momentum'] as { float: number }).float;
    expect(momentum(pytorch)).toBeCloseTo(0.9, 12);
    expect(momentum(keras)).toBe(0.99);
    expect(buildBatchNormGraph({ ...statistics(1), momentum: null }).nodes[0]?.attributes?.['momentum']).toBeUndefined();
  });

  it('refuses bad statistics and options with typed errors naming the field', () => {
    const good = statistics(2);
    expect(() => buildBatchNormGraph({ ...good, beta: [1, 2] })).toThrow(BnShapeError);
    expect(() => buildBatchNormGraph({ ...good, runningVar: [1, -1, 1] })).toThrow(/runningVar/);
    expect(() => buildBatchNormGraph({ ...good, gamma: [1, Number.NaN, 1] })).toThrow(BnValueError);
    expect(() => buildBatchNormGraph({ ...good, eps: -1 })).toThrow(/eps/);
    expect(() => buildBatchNormGraph(good, { opset: 13 })).toThrow(/opset/);
    expect(() => buildBatchNormGraph(good, { layout: 'NWHC' as never })).toThrow(/layout/);
  });
});
