import onnxProto from 'onnx-proto';

/**
 * The ONNX protobuf schema (ONNX 1.10, IR version 8) compiled for protobufjs. The package is
 * CommonJS and exports its root object, so the namespace is read from the default import.
 */
export const onnx = onnxProto.onnx;

/** protobufjs 64-bit integers arrive as numbers or as `Long` objects, depending on the build. */
export type IntLike = number | { toNumber(): number; toString(): string };

/**
 * A plain Uint8Array copy of protobufjs output: under Node its writer returns a Buffer that may
 * be a view into a shared pool, which callers must not see through `.buffer`.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
