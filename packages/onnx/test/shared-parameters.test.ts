import { describe, expect, it } from 'vitest';
import { encodeModel, listBatchNormNodes, replaceBatchNormStatistics } from '../src/index.js';

/**
 * The shape of a PyTorch export (torch.onnx.export, opset 15, BN kept): two Conv-BN pairs whose
 * equal gamma and beta the exporter stores once and hands to the second node through Identity
 * nodes, with no declared shape for the Conv outputs.
 */
function sharedParametersModel(): Uint8Array {
  const f32 = (name: string, values: number[]) => ({ name, dataType: 'float32' as const, dims: [values.length], values });
  return encodeModel(
    {
      name: 'torch_jit',
      nodes: [
        { name: 'Identity_0', opType: 'Identity', inputs: ['bn1.weight'], outputs: ['bn2.weight'] },
        { name: 'Identity_1', opType: 'Identity', inputs: ['bn2.weight'], outputs: ['bn3.weight'] },
        { name: '/conv1/Conv', opType: 'Conv', inputs: ['input', 'conv1.weight'], outputs: ['c1'] },
        { name: '/bn1/BatchNormalization', opType: 'BatchNormalization', inputs: ['c1', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var'], outputs: ['y1'] },
        { name: '/conv2/Conv', opType: 'Conv', inputs: ['y1', 'conv2.weight'], outputs: ['c2'] },
        { name: '/bn2/BatchNormalization', opType: 'BatchNormalization', inputs: ['c2', 'bn3.weight', 'bn1.bias', 'bn2.running_mean', 'bn2.running_var'], outputs: ['y2'] },
      ],
      inputs: [{ name: 'input', dataType: 'float32', shape: ['batch', 2, 4, 4] }],
      outputs: [{ name: 'y2', dataType: 'float32', shape: ['batch', 2, 4, 4] }],
      initializers: [
        { name: 'conv1.weight', dataType: 'float32', dims: [2, 2, 1, 1], values: [1, 0, 0, 1] },
        { name: 'conv2.weight', dataType: 'float32', dims: [2, 2, 1, 1], values: [1, 0, 0, 1] },
        f32('bn1.weight', [1.5, 0.5]),
        f32('bn1.bias', [0, 0]),
        f32('bn1.running_mean', [0.25, -1]),
        f32('bn1.running_var', [2, 3]),
        f32('bn2.running_mean', [1, 2]),
        f32('bn2.running_var', [4, 5]),
      ],
    },
    { opset: 15 },
  );
}

describe('parameters shared through Identity nodes, as PyTorch exports them', () => {
  it('reads values forwarded by a chain of Identity nodes and names where they come from', () => {
    const [, second] = listBatchNormNodes(sharedParametersModel());
    expect(Array.from(second?.gamma ?? [])).toEqual([1.5, 0.5]);
    expect(second?.sources.gamma).toEqual({ kind: 'initializer', tensor: 'bn3.weight', dataType: 'float32', forwardedFrom: 'bn1.weight' });
    expect(second?.sources.beta.forwardedFrom).toBeUndefined();
  });

  it("finds the layout of a Conv's output from the Conv's weight when no shape is declared", () => {
    expect(listBatchNormNodes(sharedParametersModel()).map((node) => node.layout)).toEqual(['NCHW', 'NCHW']);
  });

  it('writes running statistics, and refuses to write a gamma other nodes share', () => {
    const model = sharedParametersModel();
    const written = replaceBatchNormStatistics(model, [{ node: '/bn2/BatchNormalization', runningMean: [3, 4] }]);
    expect(Array.from(listBatchNormNodes(written)[1]?.runningMean ?? [])).toEqual([3, 4]);
    expect(() => replaceBatchNormStatistics(model, [{ node: '/bn2/BatchNormalization', gamma: [1, 1] }])).toThrow(/not an initializer/);
  });
});
