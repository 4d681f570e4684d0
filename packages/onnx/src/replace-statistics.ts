import { BnShapeError, BnValueError, describeValue } from '@bnkit/core';
import { listBatchNormNodes, type BnNodeStatistics } from './batch-norm-nodes.js';
import { OnnxFormatError } from './errors.js';
import { decodeModel } from './model-codec.js';
import { float16Bits } from './float16.js';
import { onnx } from './proto.js';
import { checkStorableArray, checkStorableAttribute } from './storable.js';
import { readStringField, spliceMessage } from './wire-splice.js';

/** Field numbers of the ONNX schema that the splice walks. */
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const TENSOR_NAME = 8;

/**
 * New statistics for one BatchNormalization node, found by name. Fields left out keep their
 * value. Arrays are written in the element type the model already stores (float32 values are
 * rounded to float32).
 */
export interface StatisticsUpdate {
  node: string;
  /**
   * The node's index in the graph's node list, for nodes without a unique name: when given, the
   * node is found by it and `node` must be its name ('' for an unnamed node). Not with `eps`.
   */
  index?: number;
  gamma?: ArrayLike<number>;
  beta?: ArrayLike<number>;
  runningMean?: ArrayLike<number>;
  runningVar?: ArrayLike<number>;
  /** New epsilon attribute (stored by ONNX as a float32). */
  eps?: number;
}

const ROLES = [
  ['gamma', 'scale'],
  ['beta', 'bias'],
  ['runningMean', 'mean'],
  ['runningVar', 'variance'],
] as const;

function checkValues(argument: string, values: ArrayLike<number>, channels: number, nonNegative: boolean): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new BnValueError(argument, 'an array of numbers', describeValue(values));
  }
  if (values.length !== channels) throw new BnShapeError(argument, `length C = ${channels} (the node's channels)`, `length ${values.length}`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BnValueError(argument, 'finite numbers', `[${i}] = ${describeValue(v)}`);
    if (nonNegative && v < 0) throw new BnValueError(argument, 'every value >= 0', `[${i}] = ${v}`);
  }
}

/** The re-encoded TensorProto of an initializer with new values in its own element type, every other field kept. */
function replaceTensor(content: Uint8Array, values: ArrayLike<number>): Uint8Array {
  const tensor = onnx.TensorProto.decode(content);
  const float64 = tensor.dataType === onnx.TensorProto.DataType.DOUBLE;
  const float16 = tensor.dataType === onnx.TensorProto.DataType.FLOAT16;
  const raw = new Uint8Array(values.length * (float64 ? 8 : float16 ? 2 : 4));
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    if (float64) view.setFloat64(i * 8, values[i] as number, true);
    else if (float16) view.setUint16(i * 2, float16Bits(values[i] as number), true);
    else view.setFloat32(i * 4, values[i] as number, true);
  }
  tensor.floatData = [];
  tensor.doubleData = [];
  if (float16) tensor.int32Data = [];
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    // Statistics kept in an external file are written inline: the file may be shared and stays untouched.
    tensor.externalData = [];
    tensor.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
  }
  tensor.rawData = raw;
  return onnx.TensorProto.encode(tensor).finish();
}

/** The re-encoded NodeProto with its epsilon attribute set. */
function replaceEpsilon(content: Uint8Array, eps: number): Uint8Array {
  const node = onnx.NodeProto.decode(content);
  const existing = node.attribute.find((a) => a.name === 'epsilon');
  if (existing) {
    existing.f = eps;
    existing.type = onnx.AttributeProto.AttributeType.FLOAT;
  } else {
    node.attribute.push(onnx.AttributeProto.create({ name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: eps }));
  }
  return onnx.NodeProto.encode(node).finish();
}

function findNode(nodes: readonly BnNodeStatistics[], name: string, argument: string): BnNodeStatistics {
  const matches = nodes.filter((n) => n.name === name);
  if (matches.length === 1) return matches[0] as BnNodeStatistics;
  const names = nodes.map((n) => describeValue(n.name)).join(', ') || 'none';
  if (matches.length === 0) throw new BnValueError(argument, `the name of a BatchNormalization node of the model (${names})`, describeValue(name));
  throw new BnValueError(argument, 'a name only one BatchNormalization node has', `${describeValue(name)}, shared by ${matches.length} nodes`);
}

function findNodeAt(nodes: readonly BnNodeStatistics[], update: StatisticsUpdate, argument: string): BnNodeStatistics {
  const node = nodes.find((n) => n.index === update.index);
  if (node === undefined || node.name !== update.node) {
    const indices = nodes.map((n) => n.index).join(', ') || 'none';
    throw new BnValueError(argument, `the index of a BatchNormalization node named ${describeValue(update.node)} (BN nodes at ${indices})`, describeValue(update.index));
  }
  return node;
}

/**
 * Replaces the statistics (scale, B, input_mean, input_var initializers, and optionally the
 * epsilon attribute) of named BatchNormalization nodes, keeping every other byte of the model
 * (float16, float32 and float64 initializers keep their type; one stored in an external file is
 * written inline, leaving the file alone):
 * the splice re-encodes only the replaced TensorProto messages (and a NodeProto whose epsilon
 * changes) and the length prefixes of the GraphProto and ModelProto fields that enclose them.
 * Doc strings, metadata, other nodes, other initializers and unknown fields are untouched.
 * @throws OnnxFormatError for malformed bytes, an invalid model, or a statistic that is not an
 *   initializer of its own (a Constant node's output, or an initializer other nodes also read);
 *   BnValueError for an unknown node name, non-finite values, a negative variance or eps, or a
 *   value the stored element type (float32 for eps) turns into Infinity or 0, naming the field
 *   and index;
 *   BnShapeError for arrays whose length is not the node's C.
 */
export function replaceBatchNormStatistics(bytes: Uint8Array, updates: readonly StatisticsUpdate[]): Uint8Array {
  const model = decodeModel(bytes);
  const nodes = listBatchNormNodes(model);
  const floatOpaque = model.graph.opaqueInitializers.filter((t) => t.onnxDataType === 1 || t.onnxDataType === 10 || t.onnxDataType === 11);
  const initializerNames = new Set([...model.graph.initializers.map((t) => t.name), ...floatOpaque.map((t) => t.name)]);
  const uses = new Map<string, number>();
  for (const node of model.graph.nodes) for (const name of node.inputs) uses.set(name, (uses.get(name) ?? 0) + 1);
  const tensors = new Map<string, ArrayLike<number>>();
  const epsilons = new Map<string, number>();
  updates.forEach((update, i) => {
    const node = update.index === undefined ? findNode(nodes, update.node, `updates[${i}].node`) : findNodeAt(nodes, update, `updates[${i}].index`);
    for (const [field, role] of ROLES) {
      const values = update[field];
      if (values === undefined) continue;
      const argument = `updates[${i}].${field}`;
      checkValues(argument, values, node.channels, field === 'runningVar');
      const stored = node.sources[field].dataType;
      checkStorableArray(argument, values, stored === 'float16' || stored === 'float64' ? stored : 'float32');
      const initializer = node.inputNames[role];
      if (!initializerNames.has(initializer)) {
        throw new OnnxFormatError(argument, `an initializer holding node ${describeValue(update.node)}'s ${role}`, `${describeValue(initializer)} is not an initializer`);
      }
      if ((uses.get(initializer) ?? 0) > 1) {
        throw new OnnxFormatError(argument, 'an initializer only this node reads', `${describeValue(initializer)} is read by ${uses.get(initializer)} node inputs`);
      }
      tensors.set(initializer, values);
    }
    if (update.eps !== undefined) {
      if (update.index !== undefined) throw new BnValueError(`updates[${i}].eps`, 'no eps with an update found by index (epsilon is written by node name)', describeValue(update.eps));
      if (typeof update.eps !== 'number' || !Number.isFinite(update.eps) || update.eps < 0) {
        throw new BnValueError(`updates[${i}].eps`, 'a finite number >= 0', describeValue(update.eps));
      }
      checkStorableAttribute(`updates[${i}].eps`, update.eps);
      epsilons.set(update.node, update.eps);
    }
  });
  const spliceGraph = (graph: Uint8Array): Uint8Array =>
    spliceMessage(graph, (field, content) => {
      if (field === GRAPH_INITIALIZER) {
        const name = readStringField(content, TENSOR_NAME);
        const values = tensors.get(name);
        return values === undefined ? undefined : replaceTensor(content, values);
      }
      if (field === GRAPH_NODE && epsilons.size > 0) {
        const node = onnx.NodeProto.decode(content);
        const eps = node.opType === 'BatchNormalization' ? epsilons.get(node.name) : undefined;
        return eps === undefined ? undefined : replaceEpsilon(content, eps);
      }
      return undefined;
    }, 'graph');
  return spliceMessage(bytes, (field, content) => (field === MODEL_GRAPH ? spliceGraph(content) : undefined), 'model');
}
