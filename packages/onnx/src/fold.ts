import { CONVENTIONS, describeValue } from '@bnkit/core';
import { decodeModel, parseModelProto, type GraphProto } from './model-codec.js';
import { onnx, ownBytes } from './proto.js';
import { intToNumber, tensorFromProto, tensorToProto, unreadableReason } from './tensor-codec.js';
import type { OnnxDataType } from './types.js';

type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** One BatchNormalization node folded into the Conv or Gemm before it. */
export interface FoldedNode {
  batchNorm: string;
  into: string;
  opType: 'Conv' | 'Gemm';
}

/** A BatchNormalization node left in place, and why. */
export interface SkippedNode {
  batchNorm: string;
  reason: string;
}

/** The folded model and what was and was not folded. */
export interface FoldResult {
  bytes: Uint8Array;
  folded: FoldedNode[];
  skipped: SkippedNode[];
}

interface FloatConstant {
  dataType: OnnxDataType;
  dims: number[];
  values: Float64Array;
}

/** Reads the graph state the fold needs and edits it. */
class GraphEditor {
  readonly graph: GraphProto;
  private readonly initializers = new Map<string, TensorProto>();
  private readonly names = new Set<string>();

  constructor(graph: GraphProto) {
    this.graph = graph;
    for (const t of graph.initializer as TensorProto[]) this.initializers.set(t.name, t);
    for (const n of graph.node) for (const v of [...(n.input ?? []), ...(n.output ?? [])]) this.names.add(v);
    for (const v of [...graph.input, ...graph.output]) this.names.add(v.name ?? '');
    for (const name of this.initializers.keys()) this.names.add(name);
  }

  /** How many node inputs and graph outputs read `name`. */
  uses(name: string): number {
    let count = this.graph.output.filter((o) => o.name === name).length;
    for (const node of this.graph.node) count += (node.input ?? []).filter((i) => i === name).length;
    return count;
  }

  /** A float initializer's values in float64, or a reason it cannot be read. */
  constant(name: string): FloatConstant | string {
    const proto = this.initializers.get(name);
    if (proto === undefined) return `${describeValue(name)} is not an initializer`;
    const reason = unreadableReason(proto);
    if (reason !== undefined) return `${describeValue(name)}: ${reason}`;
    const tensor = tensorFromProto(proto, 'initializer');
    if (tensor.dataType === 'int64') return `${describeValue(name)} is an int64 tensor`;
    return { dataType: tensor.dataType, dims: [...tensor.dims], values: Float64Array.from(tensor.values as ArrayLike<number>) };
  }

  /**
   * Stores new values for the initializer `name` read by `node` at `slot`: in place when nothing
   * else reads it, else under a fresh name that only `node` reads.
   */
  store(node: NodeProto, slot: number, name: string, constant: FloatConstant): void {
    let target = name;
    if (name === '' || this.uses(name) > 1 || !this.initializers.has(name)) {
      target = this.freshName(`${name || `${node.name || node.opType}_bias`}_bn_folded`);
      node.input[slot] = target;
    }
    const proto = tensorToProto({ name: target, dataType: constant.dataType, dims: constant.dims, values: constant.values }, `initializer ${target}`);
    const existing = this.initializers.get(target);
    if (existing) this.graph.initializer[this.graph.initializer.indexOf(existing)] = proto;
    else this.graph.initializer.push(proto);
    this.initializers.set(target, proto);
  }

  /** Removes initializers nothing reads any more (and their graph-input declarations from IR < 4 models). */
  dropUnused(names: readonly string[]): void {
    for (const name of names) {
      if (this.uses(name) > 0 || !this.initializers.has(name)) continue;
      this.graph.initializer = this.graph.initializer.filter((t) => t.name !== name);
      this.graph.input = this.graph.input.filter((v) => v.name !== name);
      this.initializers.delete(name);
    }
  }

  private freshName(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }
}

function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? intToNumber(a.i ?? 0) : fallback;
}

function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? (a.f ?? 0) : fallback;
}

function isDefaultDomain(node: NodeProto): boolean {
  return !node.domain || node.domain === 'ai.onnx';
}

/** Per-channel scale s = gamma / sqrt(var + eps) with the mean and beta it shifts by, or a reason the node cannot be folded. */
function bnScale(editor: GraphEditor, bn: NodeProto): { scale: Float64Array; mean: Float64Array; beta: Float64Array } | string {
  const stats = bn.input.slice(1, 5).map((name) => editor.constant(name));
  const bad = stats.find((s) => typeof s === 'string');
  if (bad !== undefined) return `statistic ${bad}`;
  const [gamma, beta, mean, variance] = stats as FloatConstant[] as [FloatConstant, FloatConstant, FloatConstant, FloatConstant];
  const eps = floatAttribute(bn, 'epsilon', CONVENTIONS.onnx.defaultEps);
  const scale = Float64Array.from(gamma.values, (g, i) => g / Math.sqrt((variance.values[i] as number) + eps));
  return { scale, mean: mean.values, beta: beta.values };
}

/** Folds `bn` into `producer`; returns a reason when it cannot. */
function foldInto(editor: GraphEditor, bn: NodeProto, producer: NodeProto): string | undefined {
  const opType = producer.opType as 'Conv' | 'Gemm';
  const stats = bnScale(editor, bn);
  if (typeof stats === 'string') return stats;
  const channels = stats.scale.length;
  const weight = editor.constant(producer.input[1] ?? '');
  if (typeof weight === 'string') return `${opType} weight ${weight}`;
  const biasName = producer.input[2] ?? '';
  const bias = biasName === '' ? undefined : editor.constant(biasName);
  if (typeof bias === 'string') return `${opType} bias ${bias}`;
  const transB = opType === 'Gemm' ? intAttribute(producer, 'transB', 0) : 0;
  let outChannels: number | undefined;
  if (opType === 'Conv') outChannels = weight.dims[0];
  else if (weight.dims.length === 2) outChannels = transB ? weight.dims[0] : weight.dims[1];
  if (outChannels !== channels) return `${opType} weight dims ${describeValue(weight.dims)} do not give ${channels} output channels`;
  let biasValues = new Float64Array(channels);
  if (bias !== undefined) {
    const count = bias.values.length;
    const perChannel = count === channels && bias.dims.filter((d) => d !== 1).length <= 1 && bias.dims[bias.dims.length - 1] === channels;
    if (!perChannel && count !== 1) return `${opType} bias dims ${describeValue(bias.dims)} are not one value per output channel`;
    const betaAttr = opType === 'Gemm' ? floatAttribute(producer, 'beta', 1) : 1;
    biasValues = Float64Array.from({ length: channels }, (_, j) => betaAttr * (bias.values[count === 1 ? 0 : j] as number));
  }
  const newWeight = Float64Array.from(weight.values);
  if (opType === 'Conv' || transB) {
    const block = newWeight.length / channels;
    for (let i = 0; i < newWeight.length; i++) newWeight[i] = (newWeight[i] as number) * (stats.scale[Math.floor(i / block)] as number);
  } else {
    for (let i = 0; i < newWeight.length; i++) newWeight[i] = (newWeight[i] as number) * (stats.scale[i % channels] as number);
  }
  const newBias = Float64Array.from(biasValues, (b, j) => (b - (stats.mean[j] as number)) * (stats.scale[j] as number) + (stats.beta[j] as number));
  editor.store(producer, 1, producer.input[1] ?? '', { ...weight, values: newWeight });
  while (producer.input.length < 3) producer.input.push('');
  editor.store(producer, 2, biasName, { dataType: weight.dataType, dims: [channels], values: newBias });
  if (opType === 'Gemm') {
    producer.attribute = producer.attribute.filter((a) => a.name !== 'beta');
  }
  return undefined;
}

/**
 * Folds each BatchNormalization node (inference mode) into the Conv or Gemm that produces its
 * input: W' = W * s per output channel and b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps),
 * computed in float64 and stored in the weight's element type. A node is folded only when the
 * Conv/Gemm output feeds nothing but the BN node, and weights, bias and statistics are float
 * initializers. For Gemm the output channel is a column of B (transB = 0) or a row (transB = 1),
 * the bias C must be per channel or a scalar, Gemm's beta is folded into the new C, and alpha is
 * kept. A missing bias is added. Initializers other nodes share are copied, not changed; statistics
 * nothing reads any more are removed. The rest of the model is re-encoded as decoded (fields
 * unknown to the ONNX 1.10 schema are dropped).
 * @throws OnnxFormatError for malformed bytes or an invalid model.
 */
export function foldBatchNorm(bytes: Uint8Array): FoldResult {
  decodeModel(bytes);
  const proto = parseModelProto(bytes);
  const editor = new GraphEditor(proto.graph as GraphProto);
  const folded: FoldedNode[] = [];
  const skipped: SkippedNode[] = [];
  for (const bn of [...editor.graph.node] as NodeProto[]) {
    if (bn.opType !== 'BatchNormalization' || !isDefaultDomain(bn)) continue;
    const label = bn.name || `BatchNormalization #${editor.graph.node.indexOf(bn)}`;
    const skip = (reason: string) => skipped.push({ batchNorm: label, reason });
    const x = bn.input[0] ?? '';
    const producer = editor.graph.node.find((n) => (n.output ?? [])[0] === x) as NodeProto | undefined;
    if (intAttribute(bn, 'training_mode', 0) === 1) skip('training_mode is 1');
    else if (bn.output.filter((o) => o !== '').length !== 1) skip('it has outputs besides Y');
    else if (!producer || !isDefaultDomain(producer) || (producer.opType !== 'Conv' && producer.opType !== 'Gemm')) {
      skip(`its input ${describeValue(x)} does not come from a Conv or Gemm`);
    } else if (editor.uses(x) !== 1) skip(`the ${producer.opType} output ${describeValue(x)} also feeds other nodes or the graph output`);
    else {
      const reason = foldInto(editor, bn, producer);
      if (reason !== undefined) skip(reason);
      else {
        producer.output[0] = bn.output[0] ?? '';
        editor.graph.node.splice(editor.graph.node.indexOf(bn), 1);
        editor.graph.valueInfo = editor.graph.valueInfo.filter((v) => v.name !== x);
        editor.dropUnused(bn.input.slice(1, 5));
        folded.push({ batchNorm: label, into: producer.name || producer.opType, opType: producer.opType as 'Conv' | 'Gemm' });
      }
    }
  }
  const out = ownBytes(onnx.ModelProto.encode(proto).finish());
  decodeModel(out);
  return { bytes: out, folded, skipped };
}
