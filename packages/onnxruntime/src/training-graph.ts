import type { OnnxGraph, OnnxNode, OnnxTensor } from '@bnkit/onnx';
import { castNode, inChannelsFirst, int64Initializer, readGraphShape, reductionAxes, type GraphShape } from './graph-parts.js';

/** Options of `buildTrainingGraph`. */
export interface TrainingGraphSpec extends GraphShape {
  /** BN's epsilon, baked into the graph as the node's float32 attribute. */
  readonly eps: number;
}

/**
 * Builds the training-forward graph. y comes from one BatchNormalization node with
 * `training_mode = 1` (opset 15), which normalises with the batch's own statistics in the graph's
 * element type. The node's running-statistics outputs are left unread: opset 15 has no saved
 * mean / inverse-std outputs, its running variance is the biased one under ONNX's momentum only,
 * and in a float32 graph they are float32 sums. Instead a float64 branch computes the batch statistics two-pass, mean then
 * mean((x - mean)^2), never E[x^2] - E[x]^2, so a float32 x of 1e4 + 0.1 * noise keeps its
 * variance; the caller applies the convention's running-statistics rule to them.
 *
 * Inputs `x` (the shape, `dataType`), `scale` and `B` (length C, `dataType`). Outputs `y` like x,
 * `batch_mean` and `batch_var` (length C, float64; the variance biased).
 * @throws BnShapeError when the shape does not fit the layout; BnValueError for an unknown data type.
 */
export function buildTrainingGraph(spec: TrainingGraphSpec): OnnxGraph {
  const info = readGraphShape(spec);
  const t = spec.dataType;
  const axes = reductionAxes(info);
  const zeros = new Array<number>(info.c).fill(0);
  const ones = new Array<number>(info.c).fill(1);
  // In training mode the node requires running statistics as inputs and as outputs (three
  // outputs); the graph reads neither, so constants stand in for the inputs.
  const initializers: OnnxTensor[] = [
    { name: 'unused_mean', dataType: t, dims: [info.c], values: zeros },
    { name: 'unused_var', dataType: t, dims: [info.c], values: ones },
    int64Initializer('channels', [info.c]),
  ];
  const x64 = t === 'float64' ? 'x' : 'x_float64';
  const statistics: OnnxNode[] = [
    ...(t === 'float64' ? [] : [castNode('x', x64, 'float64')]),
    { opType: 'ReduceMean', inputs: [x64], outputs: ['mean_kept'], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
    { opType: 'Sub', inputs: [x64, 'mean_kept'], outputs: ['centered'] },
    { opType: 'Mul', inputs: ['centered', 'centered'], outputs: ['centered_squared'] },
    { opType: 'ReduceMean', inputs: ['centered_squared'], outputs: ['var_kept'], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
    { opType: 'Reshape', inputs: ['mean_kept', 'channels'], outputs: ['batch_mean'] },
    { opType: 'Reshape', inputs: ['var_kept', 'channels'], outputs: ['batch_var'] },
  ];
  const normalise = inChannelsFirst(spec.layout, 'x', 'y', (xIn, yOut) => ({
    opType: 'BatchNormalization',
    inputs: [xIn, 'scale', 'B', 'unused_mean', 'unused_var'],
    outputs: [yOut, 'unused_running_mean', 'unused_running_var'],
    attributes: { epsilon: { float: spec.eps }, training_mode: { int: 1 } },
  }));
  return {
    name: 'bnkit_train_forward',
    nodes: [...normalise, ...statistics],
    inputs: [
      { name: 'x', dataType: t, shape: info.shape },
      { name: 'scale', dataType: t, shape: [info.c] },
      { name: 'B', dataType: t, shape: [info.c] },
    ],
    outputs: [
      { name: 'y', dataType: t, shape: info.shape },
      { name: 'batch_mean', dataType: 'float64', shape: [info.c] },
      { name: 'batch_var', dataType: 'float64', shape: [info.c] },
    ],
    initializers,
  };
}
