import type { OnnxGraph, OnnxNode } from '@bnkit/onnx';
import { affineBatchNormNode, affineStatisticsInitializers, castNode, inChannelsFirst, int64Initializer, readGraphShape, reductionAxes, type GraphShape } from './graph-parts.js';

/** Options of `buildTrainingGraph`: the shape, layout and element type; eps is an input, so one graph serves every eps. */
export type TrainingGraphSpec = GraphShape;

/**
 * Builds the training-forward graph. A float64 branch computes the batch statistics two-pass,
 * mean then mean((x - mean)^2), never E[x^2] - E[x]^2, so a float32 x of 1e4 + 0.1 * noise keeps
 * its variance, and folds them with eps into scale = gamma / sqrt(var + eps), still in float64.
 * One BatchNormalization node (opset 15, inference mode, zero mean, unit variance, epsilon 0)
 * then computes y = scale * (x - mean) + B in x's element type from the float64 x - mean and
 * scale, each rounded to it once.
 * Neither `training_mode = 1` nor the epsilon attribute is used: the first accumulates the
 * statistics in x's element type (measured: onnxruntime-web's float32 kernel misses the
 * constant-channel vector's tolerance, error ratio 1.14), the second is a float32 that rounds an
 * eps of 1e-50 to 0, and a float32 variance overflows above 3.4e38 (values of magnitude 1e30
 * with spread).
 *
 * Inputs `x` (the shape, `dataType`), `gamma` and `B` (length C, `dataType`), `eps` (float64,
 * one element). Outputs `y` like x, `batch_mean` and `batch_var` (length C, float64; the variance
 * biased).
 * @throws BnShapeError when the shape does not fit the layout; BnValueError for an unknown data type.
 */
export function buildTrainingGraph(spec: TrainingGraphSpec): OnnxGraph {
  const info = readGraphShape(spec);
  const t = spec.dataType;
  const axes = reductionAxes(info);
  const cast = t === 'float32';
  const x64 = cast ? 'x_float64' : 'x';
  const gamma64 = cast ? 'gamma_float64' : 'gamma';
  const statistics: OnnxNode[] = [
    ...(cast ? [castNode('x', x64, 'float64'), castNode('gamma', gamma64, 'float64')] : []),
    { opType: 'ReduceMean', inputs: [x64], outputs: ['mean_kept'], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
    { opType: 'Sub', inputs: [x64, 'mean_kept'], outputs: ['centered'] },
    { opType: 'Mul', inputs: ['centered', 'centered'], outputs: ['centered_squared'] },
    { opType: 'ReduceMean', inputs: ['centered_squared'], outputs: ['var_kept'], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
    { opType: 'Reshape', inputs: ['mean_kept', 'channels'], outputs: ['batch_mean'] },
    { opType: 'Reshape', inputs: ['var_kept', 'channels'], outputs: ['batch_var'] },
    { opType: 'Add', inputs: ['batch_var', 'eps'], outputs: ['var_eps'] },
    { opType: 'Sqrt', inputs: ['var_eps'], outputs: ['std'] },
    { opType: 'Div', inputs: [gamma64, 'std'], outputs: ['scale_float64'] },
    ...(cast ? [castNode('centered', 'centered_rounded', 'float32'), castNode('scale_float64', 'scale_rounded', 'float32')] : []),
  ];
  const normalise = inChannelsFirst(spec.layout, cast ? 'centered_rounded' : 'centered', 'y', (xIn, yOut) => affineBatchNormNode(xIn, yOut, cast ? 'scale_rounded' : 'scale_float64'));
  return {
    name: 'bnkit_train_forward',
    nodes: [...statistics, ...normalise],
    inputs: [
      { name: 'x', dataType: t, shape: info.shape },
      { name: 'gamma', dataType: t, shape: [info.c] },
      { name: 'B', dataType: t, shape: [info.c] },
      { name: 'eps', dataType: 'float64', shape: [1] },
    ],
    outputs: [
      { name: 'y', dataType: t, shape: info.shape },
      { name: 'batch_mean', dataType: 'float64', shape: [info.c] },
      { name: 'batch_var', dataType: 'float64', shape: [info.c] },
    ],
    initializers: [int64Initializer('channels', [info.c]), ...affineStatisticsInitializers(info.c, t)],
  };
}
