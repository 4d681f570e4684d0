import { CHANNELS_LAST_LAYOUTS, CONVENTIONS, LAYOUTS, describeValue, toChannelsFirstPermutation, type FloatArray, type Layout } from '@bnkit/core';
import { OnnxFormatError } from './errors.js';
import { tensorElementCount, type ExternalDataResolver } from './external-data.js';
import { modelFromProto, parseModelProto, type ModelProto } from './model-codec.js';
import { validateModel } from './model-validate.js';
import type { onnx } from './proto.js';
import { elementTypeName, isStatisticType, readStatisticTensor } from './statistic-values.js';
import { onnxDataTypeNumber } from './tensor-codec.js';
import type { DecodedModel, DecodedNode, OnnxTensor } from './types.js';

type TensorProto = InstanceType<typeof onnx.TensorProto>;


/**
 * Where one statistic of a BN node comes from:
 * - `initializer`: a graph initializer with its data inline (bnkit can rewrite it in place);
 * - `external-data`: an initializer whose data lives in a file next to the model (`file`);
 * - `constant-node`: the output of a Constant node;
 * - `graph-input`: a graph input, supplied at run time (as in the ONNX project's node tests);
 * - `computed`: the output of another node.
 */
export type StatisticSourceKind = 'initializer' | 'external-data' | 'constant-node' | 'graph-input' | 'computed';

/** One statistic input of a BN node: where it comes from, its element type, and why its values are absent when they are. */
export interface StatisticSource {
  kind: StatisticSourceKind;
  /** The value name the node reads. */
  tensor: string;
  /** float16, float32, float64, ... ('unknown' when nothing declares it). */
  dataType: string;
  /** For `external-data`: the file, relative to the model. */
  file?: string;
  /** Why the values were not read (supplied at run time, no external-data resolver, ...). */
  unread?: string;
  /**
   * The initializer or Constant output whose values reach `tensor` unchanged through Identity
   * nodes (PyTorch's exporter shares equal parameters that way).
   */
  forwardedFrom?: string;
}

/** What feeds a BN node's X: a node (its op type and name), a graph input or an initializer. */
export type InputProducer = { kind: 'node'; opType: string; name: string; index: number } | { kind: 'graph-input'; name: string } | { kind: 'initializer'; name: string };

/** One BatchNormalization node of a model with its statistics, in core's terms. */
export interface BnNodeStatistics {
  /** The node's name ('' when it has none). */
  name: string;
  /** Its position in the graph's node list, which ONNX requires to be a topological order. */
  index: number;
  /** Its position among the model's BatchNormalization nodes (0-based). */
  order: number;
  /** The names of its inputs X, scale, B, input_mean, input_var. */
  inputNames: { x: string; scale: string; bias: string; mean: string; variance: string };
  /** What produces X. */
  producer: InputProducer;
  /** Where scale, B, input_mean and input_var come from. */
  sources: { gamma: StatisticSource; beta: StatisticSource; runningMean: StatisticSource; runningVar: StatisticSource };
  /** Number of channels C: the length of a statistic known before run time, else dim 1 of X as declared; 0 when nothing says. */
  channels: number;
  /** undefined when the statistic is not known before run time (see `sources`). */
  gamma: FloatArray | undefined;
  beta: FloatArray | undefined;
  runningMean: FloatArray | undefined;
  /** As stored in the model (ONNX does not say whether it is biased; PyTorch exports store the unbiased one). */
  runningVar: FloatArray | undefined;
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

/** Options of `listBatchNormNodes`. */
/** Options of `listBatchNormNodes`. */
export interface ListBatchNormOptions {
  /** Reads external data files; without it, statistics stored there are listed with `unread` set. */
  externalData?: ExternalDataResolver;
}

function isDefaultDomain(node: DecodedNode): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}

function samePermutation(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The rank of what a Conv or Gemm node produces, when its shape is declared nowhere: a Conv's
 * output has its weight's rank, a Gemm's is 2.
 */
function outputRank(model: DecodedModel, producer: DecodedNode | undefined): number | undefined {
  if (!producer || !isDefaultDomain(producer)) return undefined;
  if (producer.opType === 'Gemm') return 2;
  if (producer.opType !== 'Conv') return undefined;
  const weight = producer.inputs[1];
  const tensor = [...model.graph.initializers, ...model.graph.opaqueInitializers].find((t) => t.name === weight);
  return tensor?.dims.length;
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
  const known = declared?.shape?.length ?? rank ?? outputRank(model, producer);
  return LAYOUTS.find((l) => !CHANNELS_LAST_LAYOUTS.includes(l) && l.length === known);
}

/** A statistic's holder before it is read: a TensorProto (from bytes) or a decoded tensor. */
type Holder = { kind: 'initializer' | 'constant-node'; proto?: TensorProto; decoded?: OnnxTensor; elemType: number; reason?: string; forwardedFrom?: string };

/**
 * Adds the outputs of default-domain Identity nodes whose input is a known holder: their values
 * are the holder's, unchanged. Nodes are in topological order, so one pass follows whole chains.
 */
function followIdentities(found: Map<string, Holder>, nodes: readonly DecodedNode[]): Map<string, Holder> {
  for (const node of nodes) {
    const [input = ''] = node.inputs;
    const [output] = node.outputs;
    const holder = found.get(input);
    if (node.opType !== 'Identity' || !isDefaultDomain(node) || !holder || !output || found.has(output)) continue;
    found.set(output, { ...holder, forwardedFrom: holder.forwardedFrom ?? input });
  }
  return found;
}

/** Initializers and Constant-node outputs by name, from the protobuf when there is one. */
function holders(decoded: DecodedModel, proto: ModelProto | undefined): Map<string, Holder> {
  const found = new Map<string, Holder>();
  if (proto?.graph) {
    for (const t of proto.graph.initializer as TensorProto[]) found.set(t.name, { kind: 'initializer', proto: t, elemType: t.dataType });
    for (const node of proto.graph.node ?? []) {
      if (node.opType !== 'Constant' || (node.domain && node.domain !== 'ai.onnx') || !node.output?.[0]) continue;
      const a = (node.attribute ?? [])[0];
      if (!a) continue;
      if (a.name === 'value' && a.t) found.set(node.output[0], { kind: 'constant-node', proto: a.t as TensorProto, elemType: a.t.dataType ?? 0 });
      else if (a.name === 'value_float') found.set(node.output[0], { kind: 'constant-node', decoded: { name: node.output[0], dataType: 'float32', dims: [], values: Float32Array.of(a.f ?? 0) }, elemType: 1 });
      else if (a.name === 'value_floats') found.set(node.output[0], { kind: 'constant-node', decoded: { name: node.output[0], dataType: 'float32', dims: [(a.floats ?? []).length], values: Float32Array.from(a.floats ?? []) }, elemType: 1 });
    }
    return followIdentities(found, decoded.graph.nodes);
  }
  for (const t of decoded.graph.initializers) found.set(t.name, { kind: 'initializer', decoded: t, elemType: onnxDataTypeNumber(t.dataType) });
  for (const t of decoded.graph.opaqueInitializers) found.set(t.name, { kind: 'initializer', elemType: t.onnxDataType, reason: t.reason });
  for (const node of decoded.graph.nodes) {
    const value = node.attributes['value'];
    if (node.opType === 'Constant' && isDefaultDomain(node) && value && 'tensor' in value && node.outputs[0]) {
      found.set(node.outputs[0], { kind: 'constant-node', decoded: value.tensor, elemType: onnxDataTypeNumber(value.tensor.dataType) });
    }
  }
  return followIdentities(found, decoded.graph.nodes);
}

function readStatistic(
  name: string,
  label: string,
  known: Map<string, Holder>,
  decoded: DecodedModel,
  resolve: ExternalDataResolver | undefined,
): { source: StatisticSource; values: FloatArray | undefined; length?: number } {
  const holder = known.get(name);
  if (holder === undefined) {
    const input = decoded.graph.inputs.find((v) => v.name === name);
    if (input) {
      const source: StatisticSource = { kind: 'graph-input', tensor: name, dataType: input.onnxDataType ? elementTypeName(input.onnxDataType) : 'unknown', unread: 'supplied at run time' };
      return { source, values: undefined };
    }
    return { source: { kind: 'computed', tensor: name, dataType: 'unknown', unread: 'computed at run time by another node' }, values: undefined };
  }
  const source: StatisticSource = { kind: holder.kind, tensor: name, dataType: elementTypeName(holder.elemType), ...(holder.forwardedFrom !== undefined && { forwardedFrom: holder.forwardedFrom }) };
  if (holder.proto?.dataLocation === 1) {
    source.kind = 'external-data';
    const location = (holder.proto.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (location) source.file = location;
    if (!resolve) return { source: { ...source, unread: 'stored in an external file; no resolver given' }, values: undefined, length: tensorElementCount(holder.proto) };
  }
  if (!isStatisticType(holder.elemType)) throw new OnnxFormatError(label, 'a float16, float32 or float64 tensor', `${source.dataType} tensor ${describeValue(name)}`);
  if (holder.proto) return { source, values: readStatisticTensor(holder.proto, label, resolve) };
  const values = holder.decoded?.values;
  if (values instanceof Float32Array || values instanceof Float64Array) return { source, values };
  const opaque = decoded.graph.opaqueInitializers.find((t) => t.name === (holder.forwardedFrom ?? name));
  if (opaque) return { source: { ...source, unread: holder.reason ?? 'not readable' }, values: undefined, length: opaque.dims.reduce((a, b) => a * b, 1) };
  return { source: { ...source, unread: holder.reason ?? 'not readable' }, values: undefined };
}

function producerOf(decoded: DecodedModel, x: string): InputProducer {
  const index = decoded.graph.nodes.findIndex((n) => n.outputs.includes(x));
  const node = decoded.graph.nodes[index];
  if (node) return { kind: 'node', opType: node.opType, name: node.name, index };
  if (decoded.graph.initializers.some((t) => t.name === x) || decoded.graph.opaqueInitializers.some((t) => t.name === x)) return { kind: 'initializer', name: x };
  return { kind: 'graph-input', name: x };
}

/**
 * Lists every BatchNormalization node of a model (bytes are decoded and validated first) with
 * its statistics and where they come from: initializers, external data files (read through
 * `options.externalData`), Constant nodes (`value`, `value_float`, `value_floats`), graph inputs
 * supplied at run time, or other nodes' outputs; in float16, float32 or float64. Statistics
 * not known before run time are listed with `undefined` values and the reason in their source.
 * Given a `DecodedModel`, float16 and external tensors are listed unread (their bytes are gone).
 * @throws OnnxFormatError for malformed bytes, a structurally invalid model, statistics of a
 *   non-float type, or known statistics of different lengths; the resolver's errors.
 */
export function listBatchNormNodes(model: Uint8Array | DecodedModel, options: ListBatchNormOptions = {}): BnNodeStatistics[] {
  const proto = model instanceof Uint8Array ? parseModelProto(model) : undefined;
  const decoded = proto ? modelFromProto(proto) : (model as DecodedModel);
  if (proto) validateModel(decoded);
  const known = holders(decoded, proto);
  const found: BnNodeStatistics[] = [];
  decoded.graph.nodes.forEach((node, index) => {
    if (node.opType !== 'BatchNormalization' || !isDefaultDomain(node)) return;
    const label = `node ${describeValue(node.name || `#${index}`)}`;
    const [x = '', scale = '', bias = '', mean = '', variance = ''] = node.inputs;
    const read = (name: string, role: string) => readStatistic(name, `${label} ${role}`, known, decoded, options.externalData);
    const gamma = read(scale, 'scale');
    const beta = read(bias, 'B');
    const runningMean = read(mean, 'input_mean');
    const runningVar = read(variance, 'input_var');
    const lengths = [gamma, beta, runningMean, runningVar].map((s) => s.values?.length ?? s.length);
    const declaredX = decoded.graph.inputs.find((v) => v.name === x)?.shape?.[1];
    const channels = lengths.find((n) => n !== undefined) ?? (typeof declaredX === 'number' ? declaredX : 0);
    (['scale', 'B', 'input_mean', 'input_var'] as const).forEach((role, i) => {
      const n = lengths[i];
      if (n !== undefined && n !== channels) throw new OnnxFormatError(`${label} ${role}`, `${channels} values, as the other statistics have`, `${n} values`);
    });
    const epsilon = node.attributes['epsilon'];
    const momentum = node.attributes['momentum'];
    const training = node.attributes['training_mode'];
    const entry: BnNodeStatistics = {
      name: node.name,
      index,
      order: found.length,
      inputNames: { x, scale, bias, mean, variance },
      producer: producerOf(decoded, x),
      sources: { gamma: gamma.source, beta: beta.source, runningMean: runningMean.source, runningVar: runningVar.source },
      channels,
      gamma: gamma.values,
      beta: beta.values,
      runningMean: runningMean.values,
      runningVar: runningVar.values,
      eps: epsilon && 'float' in epsilon ? epsilon.float : CONVENTIONS.onnx.defaultEps,
      trainingMode: training !== undefined && 'int' in training && training.int === 1,
    };
    if (momentum && 'float' in momentum) entry.momentum = momentum.float;
    const layout = guessBatchNormLayout(decoded, node);
    if (layout !== undefined) entry.layout = layout;
    found.push(entry);
  });
  return found;
}

/**
 * The four statistics of a listed node as arrays, for callers that need them all before run time.
 * @throws OnnxFormatError naming the node and the statistic when one is not known before run time
 *   (supplied as a graph input, computed by another node, or external data read without a resolver).
 */
export function batchNormValues(node: BnNodeStatistics): { gamma: FloatArray; beta: FloatArray; runningMean: FloatArray; runningVar: FloatArray } {
  const roles = [['gamma', 'scale'], ['beta', 'B'], ['runningMean', 'input_mean'], ['runningVar', 'input_var']] as const;
  for (const [field, role] of roles) {
    if (node[field] === undefined) {
      const source = node.sources[field];
      throw new OnnxFormatError(`node ${describeValue(node.name || `#${node.index}`)} ${role}`, 'values stored in the model', `${describeValue(source.tensor)}: ${source.kind}, ${source.unread ?? 'not read'}`);
    }
  }
  return { gamma: node.gamma as FloatArray, beta: node.beta as FloatArray, runningMean: node.runningMean as FloatArray, runningVar: node.runningVar as FloatArray };
}
