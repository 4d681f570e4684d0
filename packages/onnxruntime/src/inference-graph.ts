import type { OnnxGraph } from '@bnkit/onnx';
import { affineBatchNormNode, affineStatisticsInitializers, broadcastShape, inChannelsFirst, int64Initializer, readGraphShape, type GraphShape } from './graph-parts.js';

/** Options of `buildInferenceGraph`: the shape, layout and element type; eps is folded into `scale` by the caller. */
export type InferenceGraphSpec = GraphShape;

/**
 * Builds the inference graph: x minus the running mean (`Sub`, in x's layout), then one
 * BatchNormalization node (opset 15, inference mode, zero mean, unit variance, epsilon 0) between
 * Transposes for channels-last layouts, so that y = scale * (x - mean) + B. The caller folds
 * gamma / sqrt(runningVar + eps) into `scale` in float64: ONNX stores epsilon as a float32
 * attribute, which rounds an eps of 1e-50 to 0 (NaN on a zero-variance channel), and a float32
 * variance overflows above 3.4e38.
 * Inputs `x` (the shape, element type `dataType`) and `scale`, `B`, `mean` (length C, same type);
 * output `y` like x.
 * @throws BnShapeError when the shape does not fit the layout; BnValueError for an unknown data type.
 */
export function buildInferenceGraph(spec: InferenceGraphSpec): OnnxGraph {
  const info = readGraphShape(spec);
  const t = spec.dataType;
  return {
    name: 'bnkit_inference',
    nodes: [
      { opType: 'Reshape', inputs: ['mean', 'broadcast'], outputs: ['mean_b'] },
      { opType: 'Sub', inputs: ['x', 'mean_b'], outputs: ['centred'] },
      ...inChannelsFirst(spec.layout, 'centred', 'y', (xIn, yOut) => affineBatchNormNode(xIn, yOut, 'scale')),
    ],
    inputs: [{ name: 'x', dataType: t, shape: info.shape }, ...['scale', 'B', 'mean'].map((name) => ({ name, dataType: t, shape: [info.c] }))],
    outputs: [{ name: 'y', dataType: t, shape: info.shape }],
    initializers: [int64Initializer('broadcast', broadcastShape(info)), ...affineStatisticsInitializers(info.c, t)],
  };
}
