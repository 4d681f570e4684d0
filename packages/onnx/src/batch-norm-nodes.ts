import { CHANNELS_LAST_LAYOUTS, LAYOUTS, describeValue, toChannelsFirstPermutation, type FloatArray, type Layout } from '@bnkit/core';
import { OnnxFormatError } from './errors.js';
import { decodeModel } from './model-codec.js';
import type { DecodedModel, DecodedNode, OnnxTensor } from './types.js';

/** ONNX's BatchNormalization defaults, used when a node leaves the attribute out. */
const ONNX_DEFAULT_EPSILON = 1e-5;

/** One BatchNormalization node of a model with its statistics, in core's terms. */
export interface BnNodeStatistics {
  /** The node's name ('' when it has none). */
  name: string;
  /** Its position in the graph's node list. */
  index: number;
  /** The names of its inputs X, scale, B, input_mean, input_var. */
  inputNames: { x: string; scale: string; bias: string; mean: string; variance: string };
  /** Number of channels C. */
  channels: number;
  gamma: FloatArray;
  beta: FloatArray;
  runningMean: FloatArray;
  /** As stored in the model (ONNX does not say whether it is biased; PyTorch exports store the unbiased one). */
  runningVar: FloatArray;
  /** The epsilon attribute as stored (a float32), or ONNX's default 1e-5 when absent. */
  eps: number;
  /** The momentum attribute in ONNX's meaning (weight on the old value), when present. */
  momentum?: number;
  /** Whether training_mode is 1. */
  trainingMode: boolean;
  /**
   * The layout the model's data has around the node: a channels-last layout when X comes from a
   * Transpose that makes it channels-first (or Y feeds the reverse Transpose), else the
   * channels-first layout of X's declared rank; undefined when the rank is unknown.
   */
  layout?: Layout;
}

function isDefaultDomain(node: DecodedNode): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}

/** Constant float tensors of the graph by name: initializers and outputs of Constant nodes holding a `value` tensor. */
function constantTensors(model: DecodedModel): Map<string, OnnxTensor> {
  const constants = new Map<string, OnnxTensor>();
  for (const t of model.graph.initializers) constants.set(t.name, t);
  for (const node of model.graph.nodes) {
    const value = node.attributes['value'];
    if (node.opType === 'Constant' && isDefaultDomain(node) && value && 'tensor' in value && node.outputs[0]) {
      constants.set(node.outputs[0], value.tensor);
    }
  }
  return constants;
}

function floatValues(constants: Map<string, OnnxTensor>, name: string, node: string, role: string): FloatArray {
  const tensor = constants.get(name);
  if (tensor === undefined) {
    throw new OnnxFormatError(`${node} ${role}`, 'a constant (an initializer or a Constant node)', `${describeValue(name)}, computed at run time or not readable`);
  }
  if (tensor.values instanceof Float32Array || tensor.values instanceof Float64Array) return tensor.values;
  throw new OnnxFormatError(`${node} ${role}`, 'a float32 or float64 tensor', `${tensor.dataType} tensor ${describeValue(name)}`);
}

function samePermutation(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The layout of the data around a BatchNormalization node (see `BnNodeStatistics.layout`);
 * `rank`, when known, stands in for a missing declaration of X's shape.
 */
export function guessBatchNormLayout(model: DecodedModel, node: DecodedNode, rank?: number): Layout | undefined {
  const x = node.inputs[0];
  const y = node.outputs[0];
  const perm = (n: DecodedNode | undefined) => {
    const attribute = n?.opType === 'Transpose' ? n.attributes['perm'] : undefined;
    return attribute && 'ints' in attribute ? attribute.ints : undefined;
  };
  const producer = model.graph.nodes.find((n) => n.outputs.includes(x ?? ''));
  const consumers = model.graph.nodes.filter((n) => n.inputs.includes(y ?? ''));
  for (const layout of CHANNELS_LAST_LAYOUTS) {
    const toFirst = toChannelsFirstPermutation(layout);
    const toLast = toFirst.map((_, i) => toFirst.indexOf(i));
    if (samePermutation(perm(producer), toFirst)) return layout;
    if (consumers.length === 1 && samePermutation(perm(consumers[0]), toLast)) return layout;
  }
  const declared = [...model.graph.inputs, ...model.graph.outputs].find((v) => v.name === x || v.name === y);
  const known = declared?.shape?.length ?? rank;
  return LAYOUTS.find((l) => !CHANNELS_LAST_LAYOUTS.includes(l) && l.length === known);
}

/**
 * Lists the BatchNormalization nodes of a model (bytes are decoded and validated first) with
 * their statistics. Statistics must be constants: initializers or Constant nodes.
 * @throws OnnxFormatError for malformed bytes, a structurally invalid model, or statistics
 *   that are not float constants of one length.
 */
export function listBatchNormNodes(model: Uint8Array | DecodedModel): BnNodeStatistics[] {
  const decoded = model instanceof Uint8Array ? decodeModel(model) : model;
  const constants = constantTensors(decoded);
  const found: BnNodeStatistics[] = [];
  decoded.graph.nodes.forEach((node, index) => {
    if (node.opType !== 'BatchNormalization' || !isDefaultDomain(node)) return;
    const label = `node ${describeValue(node.name || `#${index}`)}`;
    const [x = '', scale = '', bias = '', mean = '', variance = ''] = node.inputs;
    const gamma = floatValues(constants, scale, label, 'scale');
    const beta = floatValues(constants, bias, label, 'B');
    const runningMean = floatValues(constants, mean, label, 'input_mean');
    const runningVar = floatValues(constants, variance, label, 'input_var');
    for (const [role, values] of [['B', beta], ['input_mean', runningMean], ['input_var', runningVar]] as const) {
      if (values.length !== gamma.length) {
        throw new OnnxFormatError(`${label} ${role}`, `${gamma.length} values, as scale has`, `${values.length} values`);
      }
    }
    const epsilon = node.attributes['epsilon'];
    const momentum = node.attributes['momentum'];
    const training = node.attributes['training_mode'];
    const entry: BnNodeStatistics = {
      name: node.name,
      index,
      inputNames: { x, scale, bias, mean, variance },
      channels: gamma.length,
      gamma,
      beta,
      runningMean,
      runningVar,
      eps: epsilon && 'float' in epsilon ? epsilon.float : ONNX_DEFAULT_EPSILON,
      trainingMode: training !== undefined && 'int' in training && training.int === 1,
    };
    if (momentum && 'float' in momentum) entry.momentum = momentum.float;
    const layout = guessBatchNormLayout(decoded, node);
    if (layout !== undefined) entry.layout = layout;
    found.push(entry);
  });
  return found;
}
