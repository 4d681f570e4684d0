import { describeValue, type FloatArray } from '@bnkit/core';
import { OnnxFormatError } from './errors.js';
import { isExternalTensor, readExternalBytes, tensorElementCount, type ExternalDataResolver } from './external-data.js';
import { float16Value } from './float16.js';
import type { onnx } from './proto.js';

type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** ONNX element type numbers of the float types BN statistics come in. */
const FLOAT = 1;
const FLOAT16 = 10;
const DOUBLE = 11;

/** A readable name of an ONNX element type number: float16, float32, float64, ..., else `element type N`. */
export function elementTypeName(elemType: number): string {
  const names: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64', 16: 'bfloat16' };
  return names[elemType] ?? `element type ${elemType}`;
}

/** Whether an element type number is one BN statistics can be read from (float16, float32, float64). */
export function isStatisticType(elemType: number): boolean {
  return elemType === FLOAT || elemType === FLOAT16 || elemType === DOUBLE;
}

function decodeRaw(raw: Uint8Array, elemType: number, count: number, argument: string): FloatArray {
  const size = elemType === DOUBLE ? 8 : elemType === FLOAT16 ? 2 : 4;
  if (raw.length !== count * size) {
    throw new OnnxFormatError(argument, `${count * size} bytes (${count} values of ${size} bytes)`, `${raw.length} bytes`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (elemType === DOUBLE) return Float64Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true));
  // float16 values are all exact in float32.
  if (elemType === FLOAT16) return Float32Array.from({ length: count }, (_, i) => float16Value(view.getUint16(i * 2, true)));
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
}

/**
 * The values of a float16, float32 or float64 TensorProto, from `raw_data`, the typed fields
 * (float16 lives in `int32_data` as bit patterns) or external data read through `resolve`.
 * float16 values come back as a Float32Array (exact), float64 as a Float64Array.
 * @throws OnnxFormatError for another element type, external data without a resolver, or a
 *   value count that differs from the dims; the resolver's errors.
 */
export function readStatisticTensor(proto: TensorProto, argument: string, resolve?: ExternalDataResolver): FloatArray {
  const count = tensorElementCount(proto);
  const label = `${argument} ${describeValue(proto.name)}`;
  if (!isStatisticType(proto.dataType)) throw new OnnxFormatError(label, 'a float16, float32 or float64 tensor', elementTypeName(proto.dataType));
  if (isExternalTensor(proto)) {
    if (!resolve) throw new OnnxFormatError(label, 'a way to read external data (a resolver, or the model read from a file)', 'none given');
    return decodeRaw(readExternalBytes(proto, resolve), proto.dataType, count, label);
  }
  if (proto.rawData.length > 0) return decodeRaw(proto.rawData, proto.dataType, count, label);
  const values: FloatArray =
    proto.dataType === DOUBLE
      ? Float64Array.from(proto.doubleData)
      : proto.dataType === FLOAT16
        ? Float32Array.from(proto.int32Data, (bits) => float16Value(bits & 0xffff))
        : Float32Array.from(proto.floatData);
  if (values.length !== count) throw new OnnxFormatError(label, `${count} values (the product of its dims)`, `${values.length} values`);
  return values;
}
