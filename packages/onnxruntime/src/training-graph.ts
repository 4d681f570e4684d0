import type { OnnxGraph, OnnxNode } from '@bnkit/onnx';
import { castNode, inChannelsFirst, int64Initializer, readGraphShape, reductionAxes, type GraphShape } from './graph-parts.js';

/** Options of `buildTrainingGraph`. */
export interface TrainingGraphSpec extends GraphShape {
  /** BN's epsilon, baked into the graph as the node's float32 attribute. */
  readonly eps: number;
}

/**
 * Builds the training-forward graph: a float64 branch computes the batch statistics two-pass,
 * mean then mean((x - mean)^2), never E[x^2] - E[x]^2, so a float32 x of 1e4 + 0.1 * noise keeps
 * its variance; a BatchNormalization node (opset 15, inference mode) then normalises x with these
 * statistics, rounded once to x's element type. BatchNormalization's `training_mode = 1` is not
 * used because it accumulates the statistics in x's element type: measured on the committed
 * vectors, onnxruntime-web's float32 kernel then misses the float32 tolerance of the
 * constant-channel case (error ratio 1.14), and its running-variance outputs are ONNX's biased
 * ones only. The caller applies the convention's running-statistics rule to the float64 outputs.
 *
 * Inputs `x` (the shape, `dataType`), `scale` and `B` (length C, `dataType`). Outputs `y` like x,
 * `batch_mean` and `batch_var` (length C, float64; the variance biased).
 * @throws BnShapeError when the shape does not fit the layout; BnValueError for an unknown data type.
 */
export function buildTrainingGraph(spec: TrainingGraphSpec): OnnxGraph {
  const info = readGraphShape(spec);
  const t = spec.dataType;
  const axes = reductionAxes(info);
  const cast = t === 'float32';
  const x64 = cast ? 'x_float64' : 'x';
  const statistics: OnnxNode[] = [
    ...(cast ? [castNode('x', x64, 'float64')] : []),
    { opType: 'ReduceMean', inputs: [x64], outputs: ['mean_kept'], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
    { opType: 'Sub', inputs: [x64, 'mean_kept'], outputs: ['centered'] },
    { opType: 'Mul', inputs: ['centered', 'centered'], outputs: ['centered_squared'] },
    { opType: 'ReduceMean', inputs: ['centered_squared'], outputs: ['var_kept'], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
    { opType: 'Reshape', inputs: ['mean_kept', 'channels'], outputs: ['batch_mean'] },
    { opType: 'Reshape', inputs: ['var_kept', 'channels'], outputs: ['batch_var'] },
    ...(cast ? [castNode('batch_mean', 'mean_rounded', 'float32'), castNode('batch_var', 'var_rounded', 'float32')] : []),
  ];
  const normalise = inChannelsFirst(spec.layout, 'x', 'y', (xIn, yOut) => ({
    opType: 'BatchNormalization',
    inputs: [xIn, 'scale', 'B', cast ? 'mean_rounded' : 'batch_mean', cast ? 'var_rounded' : 'batch_var'],
    outputs: [yOut],
    attributes: { epsilon: { float: spec.eps } },
  }));
  return {
    name: 'bnkit_train_forward',
    nodes: [...statistics, ...normalise],
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
    initializers: [int64Initializer('channels', [info.c])],
  };
}
