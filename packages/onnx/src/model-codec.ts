import { describeValue } from '@bnkit/core';
import { attributeFromProto, attributeToProto } from './attribute-codec.js';
import { OnnxFormatError } from './errors.js';
import { validateModel } from './model-validate.js';
import { onnx, ownBytes } from './proto.js';
import { dataTypeFromNumber, intToNumber, onnxDataTypeNumber, tensorFromProto, tensorToProto, unreadableReason } from './tensor-codec.js';
import type {
  DecodedGraph,
  DecodedModel,
  DecodedNode,
  OnnxAttribute,
  OnnxDecodedValueInfo,
  OnnxGraph,
  OnnxOpaqueInitializer,
  OnnxTensor,
  OnnxValueInfo,
} from './types.js';

/** The protobufjs ModelProto message of the ONNX schema. */
export type ModelProto = InstanceType<typeof onnx.ModelProto>;
/** The protobufjs GraphProto message of the ONNX schema. */
export type GraphProto = InstanceType<typeof onnx.GraphProto>;

/** Options of `encodeModel`. */
export interface EncodeModelOptions {
  /** The default-domain opset version. */
  opset: number;
  /** The IR version; default: the one released with the opset (see `defaultIrVersion`). */
  irVersion?: number;
  /** Default `bnkit`. */
  producerName?: string;
}

/**
 * The IR version released with a default-domain opset: 3 for opset 7..8, 4 for 9, 5 for 10,
 * 6 for 11, 7 for 12..13, 8 for 14..18, 9 for 19..20, 10 for 21 and later.
 * @throws OnnxFormatError for an opset below 7 (older BatchNormalization forms are not written).
 */
export function defaultIrVersion(opset: number): number {
  if (!Number.isInteger(opset) || opset < 7) throw new OnnxFormatError('opset', 'an integer >= 7', describeValue(opset));
  if (opset <= 8) return 3;
  if (opset <= 11) return opset - 5;
  if (opset <= 13) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function valueInfoToProto(info: OnnxValueInfo): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name: info.name,
    type: {
      tensorType: {
        elemType: onnxDataTypeNumber(info.dataType),
        shape: { dim: info.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attributesToProto(attributes: Readonly<Record<string, OnnxAttribute>> | undefined, node: string) {
  return Object.entries(attributes ?? {}).map(([name, value]) => attributeToProto(name, value, `node ${node} attribute ${name}`));
}

/**
 * Builds the protobufjs ModelProto of a graph (see `encodeModel`).
 * @throws OnnxFormatError when the graph fails structural validation or a tensor is inconsistent.
 */
export function modelToProto(graph: OnnxGraph, options: EncodeModelOptions): ModelProto {
  const irVersion = options.irVersion ?? defaultIrVersion(options.opset);
  const proto = onnx.ModelProto.create({
    irVersion,
    producerName: options.producerName ?? 'bnkit',
    graph: onnx.GraphProto.create({
      name: graph.name,
      node: graph.nodes.map((node, i) =>
        onnx.NodeProto.create({
          input: [...node.inputs],
          output: [...node.outputs],
          name: node.name ?? '',
          opType: node.opType,
          domain: node.domain ?? '',
          attribute: attributesToProto(node.attributes, node.name ?? `#${i}`),
        }),
      ),
      initializer: (graph.initializers ?? []).map((t) => tensorToProto(t, `initializer ${t.name}`)),
      input: graph.inputs.map(valueInfoToProto),
      output: graph.outputs.map(valueInfoToProto),
    }),
    opsetImport: [{ domain: '', version: options.opset }],
  });
  validateModel(modelFromProto(proto));
  return proto;
}

/**
 * Encodes a model (ModelProto) with one graph; `opset` is the default-domain opset version.
 * Tensors are written little-endian in `raw_data`. The model is structurally validated first
 * (see `validateModel`).
 * @throws OnnxFormatError when the graph fails validation (a node input nobody produces, an
 *   undeclared output, an inconsistent BatchNormalization node, a tensor whose value count differs
 *   from its dims, ...) or the opset is below 7.
 */
export function encodeModel(graph: OnnxGraph, options: EncodeModelOptions): Uint8Array {
  return ownBytes(onnx.ModelProto.encode(modelToProto(graph, options)).finish());
}

function valueInfoFromProto(proto: InstanceType<typeof onnx.ValueInfoProto>): OnnxDecodedValueInfo {
  const tensorType = proto.type?.tensorType;
  const onnxDataType = tensorType?.elemType ?? 0;
  const dims = tensorType?.shape?.dim;
  return {
    name: proto.name,
    dataType: dataTypeFromNumber(onnxDataType),
    onnxDataType,
    shape: dims ? dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? intToNumber(d.dimValue) : '')) : undefined,
  };
}

function nodeFromProto(proto: InstanceType<typeof onnx.NodeProto>): DecodedNode {
  const attributes: Record<string, OnnxAttribute> = {};
  const otherAttributes: string[] = [];
  for (const a of proto.attribute) {
    const value = attributeFromProto(a as InstanceType<typeof onnx.AttributeProto>);
    if (value === undefined) otherAttributes.push(a.name ?? '');
    else attributes[a.name ?? ''] = value;
  }
  return {
    opType: proto.opType,
    inputs: [...proto.input],
    outputs: [...proto.output],
    name: proto.name,
    domain: proto.domain,
    attributes,
    otherAttributes,
  };
}

function graphFromProto(proto: GraphProto): DecodedGraph {
  const initializers: OnnxTensor[] = [];
  const opaqueInitializers: OnnxOpaqueInitializer[] = [];
  for (const raw of proto.initializer) {
    const t = raw as InstanceType<typeof onnx.TensorProto>;
    const reason = unreadableReason(t);
    if (reason === undefined) initializers.push(tensorFromProto(t, 'initializer'));
    else opaqueInitializers.push({ name: t.name, onnxDataType: t.dataType, dims: t.dims.map(intToNumber), reason });
  }
  return {
    name: proto.name,
    nodes: proto.node.map((n) => nodeFromProto(n as InstanceType<typeof onnx.NodeProto>)),
    inputs: proto.input.map((v) => valueInfoFromProto(v as InstanceType<typeof onnx.ValueInfoProto>)),
    outputs: proto.output.map((v) => valueInfoFromProto(v as InstanceType<typeof onnx.ValueInfoProto>)),
    initializers,
    opaqueInitializers,
  };
}

/**
 * The plain view of a decoded ModelProto, without validation.
 * @throws OnnxFormatError when the model has no graph or a tensor is inconsistent.
 */
export function modelFromProto(proto: ModelProto): DecodedModel {
  if (!proto.graph) throw new OnnxFormatError('model', 'a ModelProto with a graph', 'no graph');
  const opsetImports = proto.opsetImport.map((o) => ({ domain: o.domain ?? '', version: intToNumber(o.version ?? 0) }));
  const main = opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return {
    irVersion: intToNumber(proto.irVersion),
    opset: main?.version ?? 0,
    opsetImports,
    producerName: proto.producerName,
    graph: graphFromProto(proto.graph as GraphProto),
  };
}

/**
 * Parses the bytes of a ModelProto with protobufjs, keeping every known field.
 * @throws OnnxFormatError on malformed or truncated bytes, or when there is no graph.
 */
export function parseModelProto(bytes: Uint8Array, argument = 'model bytes'): ModelProto {
  let proto: ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxFormatError(argument, 'a serialized ONNX ModelProto', `malformed or truncated bytes (${(error as Error).message})`);
  }
  if (!proto.graph) throw new OnnxFormatError(argument, 'a ModelProto with a graph', 'no graph (empty, truncated or not a model)');
  return proto;
}

/**
 * Decodes and structurally validates a model (see `validateModel`).
 * @throws OnnxFormatError on malformed or truncated bytes, a missing graph or opset import, or a
 *   structural fault.
 */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const model = modelFromProto(parseModelProto(bytes));
  validateModel(model);
  return model;
}
