import { LAYOUTS } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { batchNormValues, encodeModel, exportBatchNormModel, listBatchNormNodes } from '../src/index.js';

const stats = {
  gamma: [1.1, 0.9, 2],
  beta: [0.5, -0.25, 0.1],
  runningMean: [0.3, -1.7, 12.5],
  runningVar: [0.2, 1.3, 7.77],
  eps: 1e-3,
  momentum: 0.1,
  convention: 'pytorch' as const,
};

describe('listBatchNormNodes', () => {
  it('gives back the exported numbers (rounded to float32) for every layout', () => {
    for (const layout of LAYOUTS) {
      const [node, ...rest] = listBatchNormNodes(exportBatchNormModel(stats, { layout, nodeName: 'bn1' }));
      expect(rest).toEqual([]);
      expect(node?.name).toBe('bn1');
      expect(node?.layout).toBe(layout);
      expect(node?.channels).toBe(3);
      expect(node?.gamma).toEqual(Float32Array.from(stats.gamma));
      expect(node?.beta).toEqual(Float32Array.from(stats.beta));
      expect(node?.runningMean).toEqual(Float32Array.from(stats.runningMean));
      expect(node?.runningVar).toEqual(Float32Array.from(stats.runningVar));
      expect(node?.eps).toBe(Math.fround(1e-3));
      expect(node?.momentum).toBe(Math.fround(0.9));
      expect(node?.trainingMode).toBe(false);
    }
  });

  it('keeps float64 statistics exactly', () => {
    const [node] = listBatchNormNodes(exportBatchNormModel(stats, { dataType: 'float64' }));
    expect(node?.runningVar).toEqual(Float64Array.from(stats.runningVar));
  });

  it('reads statistics held by Constant nodes and reports ONNX defaults', () => {
    const constant = (name: string, values: number[]) => ({
      opType: 'Constant',
      inputs: [],
      outputs: [name],
      attributes: { value: { tensor: { name, dataType: 'float32' as const, dims: [2], values } } },
    });
    const bytes = encodeModel(
      {
        name: 'g',
        nodes: [constant('s', [1, 2]), constant('b', [3, 4]), constant('m', [5, 6]), constant('v', [7, 8]), { opType: 'BatchNormalization', inputs: ['X', 's', 'b', 'm', 'v'], outputs: ['Y'] }],
        inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 2, 'L'] }],
        outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 2, 'L'] }],
      },
      { opset: 14 },
    );
    const [node] = listBatchNormNodes(bytes);
    expect(Array.from(node?.runningVar ?? [])).toEqual([7, 8]);
    expect(node?.eps).toBe(1e-5);
    expect(node?.momentum).toBeUndefined();
    expect(node?.layout).toBe('NCL');
    expect(node?.name).toBe('');
  });

  it('lists statistics supplied at run time as graph inputs, without values', () => {
    const bytes = encodeModel(
      {
        name: 'g',
        nodes: [{ opType: 'BatchNormalization', name: 'bn', inputs: ['X', 's', 's', 's', 's'], outputs: ['Y'] }],
        inputs: [
          { name: 'X', dataType: 'float32', shape: ['N', 2] },
          { name: 's', dataType: 'float32', shape: [2] },
        ],
        outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 2] }],
      },
      { opset: 15 },
    );
    const [node] = listBatchNormNodes(bytes);
    expect(node?.channels).toBe(2);
    expect(node?.gamma).toBeUndefined();
    expect(node?.runningVar).toBeUndefined();
    expect(node?.sources.runningMean).toEqual({ kind: 'graph-input', tensor: 's', dataType: 'float32', unread: 'supplied at run time' });
    expect(node?.producer).toEqual({ kind: 'graph-input', name: 'X' });
    expect(() => batchNormValues(node as NonNullable<typeof node>)).toThrow(/"bn" scale: expected values stored in the model, got "s": graph-input, supplied at run time/);
  });
});
