import {
  BnValueError,
  channelsFirstTwin,
  convertMomentum,
  DEFAULT_ONNX_OPSET,
  describeValue,
  isChannelsLast,
  LAYOUTS,
  ONNX_OPSETS,
  toChannelsFirstPermutation,
  type Layout,
} from '@bnkit/core';
import { encodeModel } from './model-codec.js';
import { checkStatistics, type BnStatistics } from './statistics.js';
import { checkStorableArray, checkStorableAttribute } from './storable.js';
import type { OnnxAttribute, OnnxGraph, OnnxNode } from './types.js';

/** Opsets `exportBatchNormModel` writes: 9 (BatchNormalization-9), 14 (adds training_mode) and 15 (separate types for scale/B and mean/var); `ONNX_OPSETS` of core. */
export const EXPORT_OPSETS: readonly number[] = ONNX_OPSETS;

/** Options of `buildBatchNormGraph` / `exportBatchNormModel`. */
export interface BatchNormExportOptions {
  /** The default-domain opset: 9, 14 or 15; default `DEFAULT_ONNX_OPSET` of core. */
  opset?: number;
  /** The layout of the model's input and output; default NCHW. Channels-last ones get Transpose nodes around the BN node. */
  layout?: Layout;
  /** Element type of X, Y and the statistics; default float32. */
  dataType?: 'float32' | 'float64';
  /** Names of the graph input, graph output and BN node; default `X`, `Y`, `bn`. */
  inputName?: string;
  outputName?: string;
  nodeName?: string;
}

/** The symbolic name of each non-channel axis of a layout (the batch is `N`, spatial axes by their letter). */
function declaredShape(layout: Layout, channels: number): (number | string)[] {
  return [...layout].map((axis) => (axis === 'C' ? channels : axis));
}

function inversePermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  return inverse;
}

/**
 * Checks export options and fills in defaults.
 * @throws BnValueError for an opset other than 9, 14, 15, an unknown layout or element type.
 */
function resolveExportOptions(options: BatchNormExportOptions): Required<BatchNormExportOptions> {
  const opset = options.opset ?? DEFAULT_ONNX_OPSET;
  if (!EXPORT_OPSETS.includes(opset)) throw new BnValueError('opset', `one of ${EXPORT_OPSETS.join(', ')}`, describeValue(opset));
  const layout = options.layout ?? 'NCHW';
  if (!LAYOUTS.includes(layout)) throw new BnValueError('layout', `one of ${LAYOUTS.join(', ')}`, describeValue(layout));
  const dataType = options.dataType ?? 'float32';
  if (dataType !== 'float32' && dataType !== 'float64') throw new BnValueError('dataType', 'float32 or float64', describeValue(dataType));
  return {
    opset,
    layout,
    dataType,
    inputName: options.inputName ?? 'X',
    outputName: options.outputName ?? 'Y',
    nodeName: options.nodeName ?? 'bn',
  };
}

/**
 * The graph of one BatchNormalization node in inference mode with its statistics as
 * initializers `<node>.scale`, `<node>.B`, `<node>.input_mean`, `<node>.input_var`. X and Y are
 * declared in `layout` with a symbolic batch and spatial dims and C fixed; for a channels-last
 * layout X goes through a Transpose to the channels-first twin and Y back. `epsilon` is written
 * as ONNX stores it (a float32 attribute); `momentum`, when given, is converted to ONNX's meaning
 * (weight on the old value) and written for information. A null momentum has no ONNX counterpart
 * and is left out.
 * @throws BnShapeError, BnValueError for invalid statistics (see `checkStatistics`) or options;
 *   BnValueError naming the field and index of a value the element type (or, for eps and
 *   momentum, float32) turns into Infinity or 0.
 */
export function buildBatchNormGraph(stats: BnStatistics, options: BatchNormExportOptions = {}): OnnxGraph {
  const channels = checkStatistics(stats);
  const o = resolveExportOptions(options);
  const channelsLast = isChannelsLast(o.layout);
  const bnInput = channelsLast ? `${o.nodeName}.X` : o.inputName;
  const bnOutput = channelsLast ? `${o.nodeName}.Y` : o.outputName;
  const statNames = ['scale', 'B', 'input_mean', 'input_var'].map((s) => `${o.nodeName}.${s}`);
  const arrays = [stats.gamma, stats.beta, stats.runningMean, stats.runningVar];
  (['gamma', 'beta', 'runningMean', 'runningVar'] as const).forEach((field, i) => checkStorableArray(field, arrays[i] as ArrayLike<number>, o.dataType));
  checkStorableAttribute('eps', stats.eps);
  const attributes: Record<string, OnnxAttribute> = { epsilon: { float: stats.eps } };
  if (stats.momentum !== undefined && stats.momentum !== null) {
    const momentum = convertMomentum(stats.momentum, stats.convention ?? 'pytorch', 'onnx') as number;
    checkStorableAttribute('momentum', momentum);
    attributes['momentum'] = { float: momentum };
  }
  const nodes: OnnxNode[] = [{ opType: 'BatchNormalization', name: o.nodeName, inputs: [bnInput, ...statNames], outputs: [bnOutput], attributes }];
  if (channelsLast) {
    const perm = toChannelsFirstPermutation(o.layout);
    nodes.unshift({ opType: 'Transpose', name: `${o.nodeName}.to_${channelsFirstTwin(o.layout)}`, inputs: [o.inputName], outputs: [bnInput], attributes: { perm: { ints: perm } } });
    nodes.push({ opType: 'Transpose', name: `${o.nodeName}.to_${o.layout}`, inputs: [bnOutput], outputs: [o.outputName], attributes: { perm: { ints: inversePermutation(perm) } } });
  }
  const shape = declaredShape(o.layout, channels);
  return {
    name: `bnkit_${o.nodeName}_${o.layout}`,
    nodes,
    inputs: [{ name: o.inputName, dataType: o.dataType, shape }],
    outputs: [{ name: o.outputName, dataType: o.dataType, shape }],
    initializers: statNames.map((name, i) => ({ name, dataType: o.dataType, dims: [channels], values: arrays[i] as ArrayLike<number> })),
  };
}

/**
 * Encodes the model of `buildBatchNormGraph` at the chosen opset (default `DEFAULT_ONNX_OPSET`).
 * @throws BnShapeError, BnValueError for invalid statistics or options, or values the model's
 *   element type cannot hold (see `buildBatchNormGraph`).
 */
export function exportBatchNormModel(stats: BnStatistics, options: BatchNormExportOptions = {}): Uint8Array {
  return encodeModel(buildBatchNormGraph(stats, options), { opset: options.opset ?? DEFAULT_ONNX_OPSET });
}
