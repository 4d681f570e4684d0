import { BnShapeError, BnValueError } from '@bnkit/core';
import { decodeModel, encodeModel } from '@bnkit/onnx';
import { describe, expect, it } from 'vitest';
import { GRAPH_OPSET, buildBackwardGraph, buildInferenceGraph, buildTrainingGraph } from '../src/index.js';

function opTypes(graph: Parameters<typeof encodeModel>[0]): string[] {
  return decodeModel(encodeModel(graph, { opset: GRAPH_OPSET })).graph.nodes.map((node) => node.opType);
}

describe('graph builders', () => {
  it('inference: x minus the mean, then one BatchNormalization node over zero mean and unit variance with epsilon 0, between Transposes only for channels-last layouts', () => {
    expect(opTypes(buildInferenceGraph({ shape: [2, 3, 4, 5], layout: 'NCHW', dataType: 'float32' }))).toEqual(['Reshape', 'Sub', 'BatchNormalization']);
    expect(opTypes(buildInferenceGraph({ shape: [2, 4, 5, 3], layout: 'NHWC', dataType: 'float32' }))).toEqual(['Reshape', 'Sub', 'Transpose', 'BatchNormalization', 'Transpose']);
    const bn = decodeModel(encodeModel(buildInferenceGraph({ shape: [2, 5, 3], layout: 'NLC', dataType: 'float64' }), { opset: GRAPH_OPSET })).graph.nodes.find((node) => node.opType === 'BatchNormalization');
    expect(bn?.attributes.epsilon).toEqual({ float: 0 });
    expect(bn?.inputs).toEqual(['centred_channels_first', 'scale', 'B', 'zero_mean', 'unit_variance']);
  });

  it('training: statistics, centring and scale in float64 (Casts only for float32 x) feed BatchNormalization in inference mode', () => {
    const float32 = buildTrainingGraph({ shape: [2, 3, 4], layout: 'NCL', dataType: 'float32' });
    const bn = decodeModel(encodeModel(float32, { opset: GRAPH_OPSET })).graph.nodes.find((node) => node.opType === 'BatchNormalization');
    expect(bn?.attributes.training_mode).toBeUndefined();
    expect(bn?.inputs).toEqual(['centered_rounded', 'scale_rounded', 'B', 'zero_mean', 'unit_variance']);
    expect(float32.inputs.map((i) => [i.name, i.dataType])).toEqual([['x', 'float32'], ['gamma', 'float32'], ['B', 'float32'], ['eps', 'float64']]);
    expect(opTypes(float32)).toContain('Cast');
    expect(float32.outputs.map((o) => [o.name, o.dataType])).toEqual([['y', 'float32'], ['batch_mean', 'float64'], ['batch_var', 'float64']]);
    expect(opTypes(buildTrainingGraph({ shape: [2, 3, 4], layout: 'NCL', dataType: 'float64' }))).not.toContain('Cast');
  });

  it('backward: standard operators only, no BatchNormalization', () => {
    const ops = opTypes(buildBackwardGraph({ shape: [2, 3, 2, 2, 2], layout: 'NDHWC', dataType: 'float32' }));
    expect(ops).not.toContain('BatchNormalization');
    expect(ops).toContain('ReduceSum');
  });

  it('refuses a shape that does not fit the layout, or an unknown data type', () => {
    expect(() => buildBackwardGraph({ shape: [2, 3], layout: 'NCHW', dataType: 'float32' })).toThrow(BnShapeError);
    expect(() => buildInferenceGraph({ shape: [2, 3], layout: 'NC', dataType: 'int64' as 'float32' })).toThrow(BnValueError);
  });
});
