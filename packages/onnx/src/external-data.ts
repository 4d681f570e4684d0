import { describeValue } from '@bnkit/core';
import { OnnxFormatError } from './errors.js';
import { intToNumber } from './tensor-codec.js';
import type { onnx } from './proto.js';

type TensorProto = InstanceType<typeof onnx.TensorProto>;

/**
 * Returns the whole content of an external data file named by a tensor's `location` (a path
 * relative to the model's folder, as ONNX stores it). Pure code passes a resolver over bytes it
 * holds; `externalDataFromFolder` (Node) reads files next to the model.
 * @throws whatever the resolver's source throws for a missing or refused file.
 */
export type ExternalDataResolver = (location: string) => Uint8Array;

/** Where a tensor's external data lies: `location` relative to the model, and a byte range (length undefined: to the end). */
export interface ExternalDataReference {
  location: string;
  offset: number;
  length: number | undefined;
}

/** Whether a TensorProto keeps its data in an external file. */
export function isExternalTensor(proto: TensorProto): boolean {
  return proto.dataLocation === 1;
}

/**
 * The `location`, `offset` and `length` entries of a tensor's external data.
 * @throws OnnxFormatError when `location` is missing or `offset`/`length` are not integers >= 0.
 */
export function externalDataReference(proto: TensorProto): ExternalDataReference {
  const entries = new Map((proto.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new OnnxFormatError(`tensor ${describeValue(proto.name)} external_data`, 'a location entry', describeValue([...entries.keys()]));
  const integer = (key: string): number | undefined => {
    const text = entries.get(key);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new OnnxFormatError(`tensor ${describeValue(proto.name)} external_data ${key}`, 'an integer >= 0', describeValue(text));
    return value;
  };
  return { location, offset: integer('offset') ?? 0, length: integer('length') };
}

/**
 * The raw little-endian bytes of a tensor stored in external data, read through `resolve`.
 * @throws OnnxFormatError when the byte range lies outside the file; the resolver's errors.
 */
export function readExternalBytes(proto: TensorProto, resolve: ExternalDataResolver): Uint8Array {
  const ref = externalDataReference(proto);
  const file = resolve(ref.location);
  const end = ref.length === undefined ? file.length : ref.offset + ref.length;
  if (end > file.length) {
    throw new OnnxFormatError(
      `tensor ${describeValue(proto.name)} external_data`,
      `bytes ${ref.offset}..${end} inside ${describeValue(ref.location)}`,
      `a file of ${file.length} bytes`,
    );
  }
  return file.subarray(ref.offset, end);
}

/** The element count of a tensor's dims. */
export function tensorElementCount(proto: TensorProto): number {
  return proto.dims.map(intToNumber).reduce((a, b) => a * b, 1);
}
