import type { OnnxGraph, OnnxNode } from '@bnkit/onnx';
import { broadcastShape, castNode, int64Initializer, readGraphShape, reductionAxes, type GraphShape } from './graph-parts.js';

/**
 * Builds the backward graph from standard operators, since ONNX Runtime has no BN gradient kernel
 * for inference sessions. With m values per channel and xhat = (x - saved_mean) * saved_inv_std:
 * dbeta = ReduceSum(dy), dgamma = ReduceSum(dy * xhat),
 * dx = gamma * saved_inv_std / m * (m * dy - dbeta - xhat * dgamma).
 * The arithmetic is float64 (x and dy are cast when float32; dx is cast back) because the sums
 * over m values are statistics, accumulated in float64 wherever the engine allows it. Per-channel
 * vectors are reshaped to a full-rank shape with C on the channel axis, so every layout works in
 * place without a Transpose.
 *
 * Inputs `x`, `dy` (the shape, `dataType`), `gamma`, `saved_mean`, `saved_inv_std` (length C,
 * float64). Outputs `dx` like x, `dgamma` and `dbeta` (length C, float64).
 * @throws BnShapeError when the shape does not fit the layout; BnValueError for an unknown data type.
 */
export function buildBackwardGraph(spec: GraphShape): OnnxGraph {
  const info = readGraphShape(spec);
  const t = spec.dataType;
  const cast = t === 'float32';
  const x64 = cast ? 'x_float64' : 'x';
  const dy64 = cast ? 'dy_float64' : 'dy';
  const dx64 = cast ? 'dx_float64' : 'dx';
  const nodes: OnnxNode[] = [
    ...(cast ? [castNode('x', x64, 'float64'), castNode('dy', dy64, 'float64')] : []),
    { opType: 'Reshape', inputs: ['saved_mean', 'broadcast'], outputs: ['mean_b'] },
    { opType: 'Reshape', inputs: ['saved_inv_std', 'broadcast'], outputs: ['inv_std_b'] },
    { opType: 'Reshape', inputs: ['gamma', 'broadcast'], outputs: ['gamma_b'] },
    { opType: 'Sub', inputs: [x64, 'mean_b'], outputs: ['centered'] },
    { opType: 'Mul', inputs: ['centered', 'inv_std_b'], outputs: ['xhat'] },
    { opType: 'ReduceSum', inputs: [dy64, 'axes'], outputs: ['sum_dy'], attributes: { keepdims: { int: 1 } } },
    { opType: 'Mul', inputs: [dy64, 'xhat'], outputs: ['dy_xhat'] },
    { opType: 'ReduceSum', inputs: ['dy_xhat', 'axes'], outputs: ['sum_dy_xhat'], attributes: { keepdims: { int: 1 } } },
    { opType: 'Mul', inputs: ['gamma_b', 'inv_std_b'], outputs: ['gamma_inv_std'] },
    { opType: 'Div', inputs: ['gamma_inv_std', 'count'], outputs: ['k'] },
    { opType: 'Mul', inputs: [dy64, 'count'], outputs: ['m_dy'] },
    { opType: 'Sub', inputs: ['m_dy', 'sum_dy'], outputs: ['m_dy_minus_sum'] },
    { opType: 'Mul', inputs: ['xhat', 'sum_dy_xhat'], outputs: ['xhat_term'] },
    { opType: 'Sub', inputs: ['m_dy_minus_sum', 'xhat_term'], outputs: ['bracket'] },
    { opType: 'Mul', inputs: ['k', 'bracket'], outputs: [dx64] },
    ...(cast ? [castNode(dx64, 'dx', 'float32')] : []),
    { opType: 'Reshape', inputs: ['sum_dy_xhat', 'channels'], outputs: ['dgamma'] },
    { opType: 'Reshape', inputs: ['sum_dy', 'channels'], outputs: ['dbeta'] },
  ];
  return {
    name: 'bnkit_backward',
    nodes,
    inputs: [
      { name: 'x', dataType: t, shape: info.shape },
      { name: 'dy', dataType: t, shape: info.shape },
      ...['gamma', 'saved_mean', 'saved_inv_std'].map((name) => ({ name, dataType: 'float64' as const, shape: [info.c] })),
    ],
    outputs: [
      { name: 'dx', dataType: t, shape: info.shape },
      { name: 'dgamma', dataType: 'float64', shape: [info.c] },
      { name: 'dbeta', dataType: 'float64', shape: [info.c] },
    ],
    initializers: [
      int64Initializer('broadcast', broadcastShape(info)),
      int64Initializer('channels', [info.c]),
      int64Initializer('axes', reductionAxes(info)),
      { name: 'count', dataType: 'float64', dims: [], values: [info.perChannel] },
    ],
  };
}
