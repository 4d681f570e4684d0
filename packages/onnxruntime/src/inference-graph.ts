import type { OnnxGraph } from '@bnkit/onnx';
import { inChannelsFirst, readGraphShape, type GraphShape } from './graph-parts.js';

/** Options of `buildInferenceGraph`. */
export interface InferenceGraphSpec extends GraphShape {
  /** BN's epsilon; ONNX stores it as a float32 attribute, so it is part of the graph (and of the session's cache key). */
  readonly eps: number;
}

/**
 * Builds the inference graph: one BatchNormalization node (opset 15, inference mode),
 * y = scale * (x - mean) / sqrt(var + eps) + B, between Transposes for channels-last layouts.
 * Inputs `x` (the shape, element type `dataType`) and `scale`, `B`, `mean`, `var` (length C, same
 * type); output `y` like x. Without affine the caller feeds scale = 1 and B = 0.
 * @throws BnShapeError when the shape does not fit the layout; BnValueError for an unknown data type.
 */
export function buildInferenceGraph(spec: InferenceGraphSpec): OnnxGraph {
  const info = readGraphShape(spec);
  const t = spec.dataType;
  const perChannel = ['scale', 'B', 'mean', 'var'];
  return {
    name: 'bnkit_inference',
    nodes: inChannelsFirst(spec.layout, 'x', 'y', (xIn, yOut) => ({
      opType: 'BatchNormalization',
      inputs: [xIn, ...perChannel],
      outputs: [yOut],
      attributes: { epsilon: { float: spec.eps } },
    })),
    inputs: [{ name: 'x', dataType: t, shape: info.shape }, ...perChannel.map((name) => ({ name, dataType: t, shape: [info.c] }))],
    outputs: [{ name: 'y', dataType: t, shape: info.shape }],
  };
}
