import { BnValueError } from '@bnkit/core';
import { float16Bits, onnxSchema as onnx, type ModelProto } from '@bnkit/onnx';
import type { BatchNormSite, GraphNode } from './graph-analysis.js';

type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** ONNX `TensorProto.DataType` numbers this module writes. */
export const ELEM_TYPE = { float: 1, int64: 7, float16: 10, double: 11 } as const;

/** A graph input of a run: its name and ONNX element type number. */
export interface RunInput {
  name: string;
  elemType: number;
}

/** Statistics a BN node normalises with during a run, in the element type of its own statistics. */
export interface SuppliedStatistics {
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
  /** ONNX element type number of the node's mean and variance (1, 10 or 11). */
  elemType: number;
}

/** What one run computes: a subgraph of the model, what it is fed and what it outputs. */
export interface RunModelSpec {
  /** The nodes to keep, in graph order (see `planCompute`). */
  nodes: readonly GraphNode[];
  inputs: readonly RunInput[];
  outputs: readonly string[];
  /** BN nodes (by node index) that normalise with these statistics instead of the model's. */
  statistics?: ReadonlyMap<number, SuppliedStatistics>;
  /**
   * BN nodes (by node index) that normalise with their batch's statistics, computed in float64;
   * each outputs `batchStatisticNames(site)`. The value is the element type of the node's statistics.
   */
  batchStatistics?: ReadonlyMap<number, { site: BatchNormSite; elemType: number }>;
}

/** The output names under which a batch-statistics BN node reports its float64 mean, biased variance and element count. */
export function batchStatisticNames(site: BatchNormSite): { mean: string; variance: string; size: string } {
  const prefix = `bnkit_bn${site.order}_`;
  return { mean: `${prefix}batch_mean`, variance: `${prefix}batch_var`, size: `${prefix}size` };
}

/** A TensorProto of dims [values.length] in element type float (1), float16 (10) or double (11). */
export function floatTensorProto(name: string, values: ArrayLike<number>, elemType: number): TensorProto {
  const size = elemType === ELEM_TYPE.double ? 8 : elemType === ELEM_TYPE.float16 ? 2 : 4;
  const raw = new Uint8Array(values.length * size);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (size === 8) view.setFloat64(i * 8, v, true);
    else if (size === 2) view.setUint16(i * 2, float16Bits(v), true);
    else view.setFloat32(i * 4, v, true);
  }
  return onnx.TensorProto.create({ name, dataType: size === 8 ? ELEM_TYPE.double : size === 2 ? ELEM_TYPE.float16 : ELEM_TYPE.float, dims: [values.length], rawData: raw });
}

function int64Tensor(name: string, values: readonly number[]): TensorProto {
  return onnx.TensorProto.create({ name, dataType: ELEM_TYPE.int64, dims: [values.length], int64Data: [...values] });
}

function attribute(name: string, value: { i?: number; ints?: number[] }): InstanceType<typeof onnx.AttributeProto> {
  if (value.ints) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value.ints });
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value.i ?? 0 });
}

function node(opType: string, inputs: string[], outputs: string[], attributes: InstanceType<typeof onnx.AttributeProto>[] = []): NodeProto {
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, attribute: attributes });
}

/** A BN node normalising with named statistics, keeping its epsilon (and spatial, where the opset still has it). */
function inferenceBatchNorm(original: NodeProto, mean: string, variance: string): NodeProto {
  const kept = (original.attribute ?? []).filter((a) => a.name === 'epsilon' || a.name === 'spatial');
  const [x = '', scale = '', bias = ''] = original.input ?? [];
  return onnx.NodeProto.create({
    name: original.name ?? '',
    opType: 'BatchNormalization',
    domain: original.domain ?? '',
    input: [x, scale, bias, mean, variance],
    output: [(original.output ?? [])[0] ?? ''],
    attribute: kept,
  });
}

/**
 * The nodes that compute a BN input's batch statistics in float64, two-pass (mean, then the mean
 * of squared deviations from it; never E[x²] − E[x]²), over every axis but axis 1, and normalise
 * X with them cast to the node's statistics type.
 */
function batchStatisticNodes(original: NodeProto, site: BatchNormSite, elemType: number, opset: number, initializers: TensorProto[]): NodeProto[] {
  const names = batchStatisticNames(site);
  const p = `bnkit_bn${site.order}_`;
  initializers.push(int64Tensor(`${p}shape3`, [0, 0, -1]), int64Tensor(`${p}flat`, [-1]));
  const reduce = (input: string, output: string): NodeProto => {
    // ReduceMean takes its axes as an input from opset 18, as an attribute before.
    if (opset >= 18) return node('ReduceMean', [input, `${p}axes`], [output], [attribute('keepdims', { i: 1 })]);
    return node('ReduceMean', [input], [output], [attribute('axes', { ints: [0, 2] }), attribute('keepdims', { i: 1 })]);
  };
  if (opset >= 18) initializers.push(int64Tensor(`${p}axes`, [0, 2]));
  return [
    node('Cast', [site.x], [`${p}x64`], [attribute('to', { i: ELEM_TYPE.double })]),
    node('Reshape', [`${p}x64`, `${p}shape3`], [`${p}x3`]),
    reduce(`${p}x3`, `${p}mean_kept`),
    node('Sub', [`${p}x3`, `${p}mean_kept`], [`${p}centered`]),
    node('Mul', [`${p}centered`, `${p}centered`], [`${p}squared`]),
    reduce(`${p}squared`, `${p}var_kept`),
    node('Reshape', [`${p}mean_kept`, `${p}flat`], [names.mean]),
    node('Reshape', [`${p}var_kept`, `${p}flat`], [names.variance]),
    node('Size', [site.x], [names.size]),
    node('Cast', [names.mean], [`${p}mean_t`], [attribute('to', { i: elemType })]),
    node('Cast', [names.variance], [`${p}var_t`], [attribute('to', { i: elemType })]),
    inferenceBatchNorm(original, `${p}mean_t`, `${p}var_t`),
  ];
}

/** The default-domain opset a model imports (0 when none). */
export function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 0;
}

/**
 * Builds the model of one run from `model`: the chosen nodes (BN nodes rewired as `spec` says),
 * the initializers they read, `spec.inputs` as graph inputs and `spec.outputs` as graph
 * outputs (declared without a type, which ONNX Runtime infers). Opset imports, IR version and
 * functions are kept. `model` is not modified.
 * @throws BnValueError when the model has no graph.
 */
export function buildRunModel(model: ModelProto, spec: RunModelSpec): Uint8Array {
  const graph = model.graph;
  if (!graph) throw new BnValueError('model', 'a ModelProto with a graph', 'no graph');
  const opset = defaultOpset(model);
  const originals = graph.node as NodeProto[];
  const extraInitializers: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  for (const chosen of spec.nodes) {
    const original = originals[chosen.index] as NodeProto;
    const supplied = spec.statistics?.get(chosen.index);
    const batch = spec.batchStatistics?.get(chosen.index);
    if (batch) {
      nodes.push(...batchStatisticNodes(original, batch.site, batch.elemType, opset, extraInitializers));
    } else if (supplied) {
      const p = `bnkit_node${chosen.index}_`;
      extraInitializers.push(floatTensorProto(`${p}mean`, supplied.mean, supplied.elemType), floatTensorProto(`${p}var`, supplied.variance, supplied.elemType));
      nodes.push(inferenceBatchNorm(original, `${p}mean`, `${p}var`));
    } else {
      nodes.push(original);
    }
  }
  const keepAll = spec.nodes.some((n) => n.hasSubgraph);
  const read = new Set(nodes.flatMap((n) => [...(n.input ?? [])]));
  const initializers = (graph.initializer as TensorProto[]).filter((t) => keepAll || read.has(t.name ?? ''));
  const run = onnx.ModelProto.create({
    irVersion: model.irVersion,
    opsetImport: model.opsetImport,
    producerName: 'bnkit',
    functions: model.functions,
    graph: onnx.GraphProto.create({
      name: graph.name ?? 'bnkit_run',
      node: nodes,
      initializer: [...initializers, ...extraInitializers],
      input: spec.inputs.map((i) => onnx.ValueInfoProto.create({ name: i.name, type: { tensorType: { elemType: i.elemType } } })),
      output: spec.outputs.map((name) => onnx.ValueInfoProto.create({ name })),
    }),
  });
  return onnx.ModelProto.encode(run).finish();
}
