/** Element types used by bnkit's graphs. */
export type OnnxDataType = 'float32' | 'float64' | 'int64';

/**
 * A tensor to embed as an initializer or an attribute, or to write as a .pb file. `dims` is
 * row-major; `[]` is a scalar holding one value. int64 values may be numbers (safe integers) or
 * bigints; decoded int64 tensors always hold bigints.
 */
export interface OnnxTensor {
  name: string;
  dataType: OnnxDataType;
  dims: readonly number[];
  values: ArrayLike<number> | readonly bigint[];
}

/** A graph input or output declaration; a string dim is symbolic (e.g. 'N'). */
export interface OnnxValueInfo {
  name: string;
  dataType: OnnxDataType;
  shape: readonly (number | string)[];
}

/** A node attribute; exactly one key says its ONNX attribute type. */
export type OnnxAttribute =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string }
  | { tensor: OnnxTensor };

/** A graph node. `domain` defaults to the ONNX default domain (''). */
export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

/** One graph: nodes in topological order, declared inputs and outputs, and constant initializers. */
export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  initializers?: readonly OnnxTensor[];
}

/** An opset a model imports: `domain` '' is the default ONNX domain. */
export interface OnnxOpsetImport {
  domain: string;
  version: number;
}

/**
 * An initializer whose element type or storage bnkit does not read (e.g. int32, float16 or
 * external data): named and typed so that validation and listings still see it.
 */
export interface OnnxOpaqueInitializer {
  name: string;
  /** The ONNX `TensorProto.DataType` number. */
  onnxDataType: number;
  dims: readonly number[];
  /** Why its values were not read. */
  reason: string;
}

/**
 * A plain, typed view of a decoded model. Graph inputs and outputs whose element type is not one
 * of `OnnxDataType` or whose shape is unknown keep their name, with `dataType` and `shape`
 * read as far as possible (see `OnnxDecodedValueInfo`). Attributes of kinds outside
 * `OnnxAttribute` (graphs, string lists, ...) are left out of `attributes` and named in
 * `otherAttributes`.
 */
export interface DecodedModel {
  irVersion: number;
  /** The default-domain opset version. */
  opset: number;
  opsetImports: readonly OnnxOpsetImport[];
  producerName: string;
  graph: DecodedGraph;
}

/** A graph input/output as declared: `dataType` undefined when it is not one bnkit handles. */
export interface OnnxDecodedValueInfo {
  name: string;
  dataType: OnnxDataType | undefined;
  /** The ONNX element type number (0 when undeclared). */
  onnxDataType: number;
  /** `undefined` when the declaration has no shape; a dim with neither value nor name is ''. */
  shape: readonly (number | string)[] | undefined;
}

/** A decoded node: the `OnnxNode` fields plus the names of attributes not representable as `OnnxAttribute`. */
export interface DecodedNode extends OnnxNode {
  name: string;
  domain: string;
  attributes: Readonly<Record<string, OnnxAttribute>>;
  otherAttributes: readonly string[];
}

/** The main graph of a decoded model. */
export interface DecodedGraph {
  name: string;
  nodes: readonly DecodedNode[];
  inputs: readonly OnnxDecodedValueInfo[];
  outputs: readonly OnnxDecodedValueInfo[];
  initializers: readonly OnnxTensor[];
  opaqueInitializers: readonly OnnxOpaqueInitializer[];
}
