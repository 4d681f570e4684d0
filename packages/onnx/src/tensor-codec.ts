import { describeValue } from '@bnkit/core';
import { OnnxFormatError } from './errors.js';
import { onnx, ownBytes, type IntLike } from './proto.js';
import type { OnnxDataType, OnnxTensor } from './types.js';

const DATA_TYPE_NUMBERS: Readonly<Record<OnnxDataType, number>> = { float32: 1, int64: 7, float64: 11 };
const BYTES_PER_ELEMENT: Readonly<Record<OnnxDataType, number>> = { float32: 4, int64: 8, float64: 8 };

/** The ONNX `TensorProto.DataType` number of a bnkit element type. */
export function onnxDataTypeNumber(dataType: OnnxDataType): number {
  return DATA_TYPE_NUMBERS[dataType];
}

/** The bnkit element type of an ONNX `TensorProto.DataType` number, or undefined when bnkit does not handle it. */
export function dataTypeFromNumber(value: number): OnnxDataType | undefined {
  if (value === 1) return 'float32';
  if (value === 7) return 'int64';
  if (value === 11) return 'float64';
  return undefined;
}

/** A protobufjs int64 as a JS number (dims and attribute ints are far below 2^53). */
export function intToNumber(value: IntLike): number {
  return typeof value === 'number' ? value : value.toNumber();
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkTensorShape(tensor: OnnxTensor, argument: string): void {
  if (!(tensor.dataType in DATA_TYPE_NUMBERS)) {
    throw new OnnxFormatError(`${argument}.dataType`, 'float32, float64 or int64', describeValue(tensor.dataType));
  }
  for (const dim of tensor.dims) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new OnnxFormatError(`${argument}.dims`, 'integers >= 0', describeValue([...tensor.dims]));
    }
  }
  const count = elementCount(tensor.dims);
  if (tensor.values.length !== count) {
    throw new OnnxFormatError(
      `${argument}.values`,
      `${count} values (the product of dims ${describeValue([...tensor.dims])})`,
      `${tensor.values.length} values`,
    );
  }
  if (tensor.dataType === 'int64') {
    for (let i = 0; i < tensor.values.length; i++) {
      const v = tensor.values[i];
      if (typeof v !== 'bigint' && !Number.isSafeInteger(v)) {
        throw new OnnxFormatError(`${argument}.values`, 'bigints or safe integers (int64)', `[${i}] = ${describeValue(v)}`);
      }
    }
  }
}

/** Whether this machine stores numbers little-endian, as ONNX's `raw_data` does (then typed arrays can be copied as bytes). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of the values, as ONNX's `raw_data` stores them. */
function rawBytes(tensor: OnnxTensor): Uint8Array {
  if (LITTLE_ENDIAN && tensor.dataType !== 'int64') {
    const typed = tensor.dataType === 'float32' ? Float32Array.from(tensor.values as ArrayLike<number>) : Float64Array.from(tensor.values as ArrayLike<number>);
    return new Uint8Array(typed.buffer);
  }
  const size = BYTES_PER_ELEMENT[tensor.dataType];
  const bytes = new Uint8Array(tensor.values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < tensor.values.length; i++) {
    const value = tensor.values[i] as number | bigint;
    if (tensor.dataType === 'float32') view.setFloat32(i * size, Number(value), true);
    else if (tensor.dataType === 'float64') view.setFloat64(i * size, Number(value), true);
    else view.setBigInt64(i * size, BigInt(value), true);
  }
  return bytes;
}

/**
 * The protobufjs message properties of a TensorProto holding `tensor` in `raw_data`.
 * @throws OnnxFormatError when the value count differs from the product of dims or a dim is invalid.
 */
export function tensorToProto(tensor: OnnxTensor, argument = 'tensor'): InstanceType<typeof onnx.TensorProto> {
  checkTensorShape(tensor, argument);
  return onnx.TensorProto.create({
    name: tensor.name,
    dataType: DATA_TYPE_NUMBERS[tensor.dataType],
    dims: [...tensor.dims],
    rawData: rawBytes(tensor),
  });
}

/** Why a TensorProto cannot be read as an `OnnxTensor`, or undefined when it can. */
export function unreadableReason(proto: InstanceType<typeof onnx.TensorProto>): string | undefined {
  if (dataTypeFromNumber(proto.dataType) === undefined) return `element type ${proto.dataType} is not float32, float64 or int64`;
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return 'its data is stored in an external file';
  return undefined;
}

function valuesFromRaw(raw: Uint8Array, dataType: OnnxDataType, argument: string): Float32Array | Float64Array | bigint[] {
  const size = BYTES_PER_ELEMENT[dataType];
  if (raw.length % size !== 0) {
    throw new OnnxFormatError(`${argument}.raw_data`, `a multiple of ${size} bytes`, `${raw.length} bytes`);
  }
  const count = raw.length / size;
  if (LITTLE_ENDIAN && dataType !== 'int64') {
    // A copy into a fresh, aligned buffer the typed array can view (a Buffer's slice() would not copy).
    const aligned = new Uint8Array(raw).buffer;
    return dataType === 'float32' ? new Float32Array(aligned) : new Float64Array(aligned);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dataType === 'float32') return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * size, true));
  if (dataType === 'float64') return Float64Array.from({ length: count }, (_, i) => view.getFloat64(i * size, true));
  return Array.from({ length: count }, (_, i) => view.getBigInt64(i * size, true));
}

/**
 * Reads a decoded TensorProto as an `OnnxTensor` (values from `raw_data` or the typed fields).
 * @throws OnnxFormatError for an element type bnkit does not read, external data, or a value
 *   count that differs from the product of dims.
 */
export function tensorFromProto(proto: InstanceType<typeof onnx.TensorProto>, argument = 'tensor'): OnnxTensor {
  const reason = unreadableReason(proto);
  const dataType = dataTypeFromNumber(proto.dataType);
  if (reason !== undefined || dataType === undefined) {
    throw new OnnxFormatError(`${argument} ${describeValue(proto.name)}`, 'a float32, float64 or int64 tensor with its data inline', reason ?? '');
  }
  const dims = proto.dims.map(intToNumber);
  let values: Float32Array | Float64Array | bigint[];
  if (proto.rawData.length > 0) values = valuesFromRaw(proto.rawData, dataType, argument);
  else if (dataType === 'float32') values = Float32Array.from(proto.floatData);
  else if (dataType === 'float64') values = Float64Array.from(proto.doubleData);
  else values = proto.int64Data.map((v) => BigInt(v.toString()));
  const count = elementCount(dims);
  if (values.length !== count) {
    throw new OnnxFormatError(
      `${argument} ${describeValue(proto.name)}`,
      `${count} values (the product of dims ${describeValue(dims)})`,
      `${values.length} values`,
    );
  }
  return { name: proto.name, dataType, dims, values };
}

/**
 * Encodes a tensor as a serialized TensorProto (the `input_*.pb` / `output_*.pb` files of ONNX
 * node tests), values little-endian in `raw_data`.
 * @throws OnnxFormatError when the value count differs from the product of dims or a dim is invalid.
 */
export function encodeTensor(tensor: OnnxTensor): Uint8Array {
  return ownBytes(onnx.TensorProto.encode(tensorToProto(tensor)).finish());
}

/**
 * Decodes a serialized TensorProto.
 * @throws OnnxFormatError on malformed or truncated bytes, an element type other than float32,
 *   float64 or int64, external data, or a value count that differs from the product of dims.
 */
export function decodeTensor(bytes: Uint8Array): OnnxTensor {
  let proto: InstanceType<typeof onnx.TensorProto>;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (error) {
    throw new OnnxFormatError('tensor bytes', 'a serialized ONNX TensorProto', `malformed bytes (${(error as Error).message})`);
  }
  return tensorFromProto(proto);
}
