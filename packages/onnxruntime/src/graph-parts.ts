import { BnValueError, channelAxis, describeShape, describeValue, toChannelsFirstPermutation, type Layout, type ShapeInfo } from '@bnkit/core';
import type { OnnxNode, OnnxTensor } from '@bnkit/onnx';

/**
 * The default-domain opset of every graph this package builds. Opset 15 is the newest
 * BatchNormalization (training_mode attribute, biased running variance) that the onnx-proto
 * schema used by `@bnkit/onnx` can describe.
 */
export const GRAPH_OPSET = 15;

/** The element types a graph can compute in: float32 (what ONNX models usually run) or float64. */
export type GraphDataType = 'float32' | 'float64';

/** What every graph builder needs: the tensor's dims in the order `layout` names them, and the element type of x. */
export interface GraphShape {
  /** Dims in the order the layout names them (NHWC: [N, H, W, C]). */
  readonly shape: readonly number[];
  readonly layout: Layout;
  /** Element type of x (and y, dx); statistics are computed in float64 either way. */
  readonly dataType: GraphDataType;
}

/** ONNX `TensorProto.DataType` numbers, for the `to` attribute of Cast. */
const CAST_TARGET: Readonly<Record<GraphDataType, number>> = { float32: 1, float64: 11 };

/**
 * Checks a graph request and reads its shape.
 * @throws BnShapeError when the shape does not fit the layout; BnValueError for another data type.
 */
export function readGraphShape(spec: GraphShape): ShapeInfo {
  if (spec.dataType !== 'float32' && spec.dataType !== 'float64') {
    throw new BnValueError('dataType', "'float32' or 'float64'", describeValue(spec.dataType));
  }
  return describeShape(spec.shape, spec.layout);
}

/** The axes BN reduces over: every axis but the channel axis, in the tensor's own layout. */
export function reductionAxes(info: ShapeInfo): number[] {
  const channel = channelAxis(info.layout);
  return info.shape.map((_, axis) => axis).filter((axis) => axis !== channel);
}

/** A full-rank shape of ones with C on the channel axis, so that a per-channel vector broadcasts against x. */
export function broadcastShape(info: ShapeInfo): number[] {
  const channel = channelAxis(info.layout);
  return info.shape.map((dim, axis) => (axis === channel ? dim : 1));
}

/** An int64 initializer (Reshape shapes, ReduceSum axes). */
export function int64Initializer(name: string, values: readonly number[]): OnnxTensor {
  return { name, dataType: 'int64', dims: [values.length], values };
}

/**
 * The initializers `zero_mean` and `unit_variance` (C zeros and C ones of type `dataType`): the
 * statistics BatchNormalization is fed once x is centred and the variance and eps are folded
 * into its scale.
 */
export function affineStatisticsInitializers(c: number, dataType: GraphDataType): OnnxTensor[] {
  return [
    { name: 'zero_mean', dataType, dims: [c], values: new Array<number>(c).fill(0) },
    { name: 'unit_variance', dataType, dims: [c], values: new Array<number>(c).fill(1) },
  ];
}

/**
 * BatchNormalization in inference mode over `zero_mean`, `unit_variance` and epsilon 0 on a
 * centred input: y = scale * centred + B. The mean is subtracted before the node because ONNX
 * Runtime's kernel computes x * s + (B - mean * s), which cancels to 0 or NaN when x and the mean
 * are large (1e30 with a tiny variance).
 */
export function affineBatchNormNode(centred: string, y: string, scale: string): OnnxNode {
  return { opType: 'BatchNormalization', inputs: [centred, scale, 'B', 'zero_mean', 'unit_variance'], outputs: [y], attributes: { epsilon: { float: 0 } } };
}

/** A Cast node converting `input` to `to`. */
export function castNode(input: string, output: string, to: GraphDataType): OnnxNode {
  return { opType: 'Cast', inputs: [input], outputs: [output], attributes: { to: { int: CAST_TARGET[to] } } };
}

/**
 * The permutations around a channels-first operator for a channels-last layout (NHWC -> NCHW and
 * back), or undefined for a channels-first layout, which needs none.
 */
export function channelsFirstPermutations(layout: Layout): { forward: number[]; inverse: number[] } | undefined {
  const forward = toChannelsFirstPermutation(layout);
  if (forward.every((axis, i) => axis === i)) return undefined;
  const inverse = new Array<number>(forward.length);
  forward.forEach((axis, i) => {
    inverse[axis] = i;
  });
  return { forward, inverse };
}

/** A Transpose node. */
export function transposeNode(input: string, output: string, perm: readonly number[]): OnnxNode {
  return { opType: 'Transpose', inputs: [input], outputs: [output], attributes: { perm: { ints: perm } } };
}

/**
 * Wraps a node that needs a channels-first tensor (BatchNormalization) so it reads `x` and writes
 * `y` in `layout`: for channels-last layouts a Transpose to the channels-first twin before it and
 * one back after it. `make(xIn, yOut)` returns the wrapped node.
 */
export function inChannelsFirst(layout: Layout, x: string, y: string, make: (xIn: string, yOut: string) => OnnxNode): OnnxNode[] {
  const perms = channelsFirstPermutations(layout);
  if (!perms) return [make(x, y)];
  return [transposeNode(x, `${x}_channels_first`, perms.forward), make(`${x}_channels_first`, `${y}_channels_first`), transposeNode(`${y}_channels_first`, y, perms.inverse)];
}
