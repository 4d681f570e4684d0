import { BnBackendError, describeValue, type FloatArray } from '@bnkit/core';
import type { GraphDataType } from './graph-parts.js';
import type { OrtApi, OrtSession, OrtTensor } from './ort-api.js';

/** Whether `values` lives in a SharedArrayBuffer (an array from cpu's `allocate()`, a shared WebAssembly memory). */
function isShared(values: FloatArray): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && values.buffer instanceof SharedArrayBuffer;
}

/**
 * `values` as an array of the graph's element type: itself when it already is one in an ordinary
 * ArrayBuffer, else a converted copy. Shared memory is always copied, because onnxruntime-node
 * refuses a SharedArrayBuffer (`Invalid argument`) and another thread could write it mid-run.
 */
export function asGraphArray(values: FloatArray, dataType: GraphDataType): Float32Array | Float64Array {
  if (dataType === 'float32') return values instanceof Float32Array && !isShared(values) ? values : Float32Array.from(values);
  return values instanceof Float64Array && !isShared(values) ? values : Float64Array.from(values);
}

/** The graph element type that follows x: float64 models for Float64Array input, float32 otherwise. */
export function graphDataTypeOf(x: FloatArray): GraphDataType {
  return x instanceof Float64Array ? 'float64' : 'float32';
}

/** An ONNX Runtime tensor of the graph's element type. */
export function ortTensor(ort: OrtApi, dataType: GraphDataType, values: FloatArray, dims: readonly number[]): OrtTensor {
  return new ort.Tensor(dataType, asGraphArray(values, dataType), dims);
}

/**
 * The float data of a session output.
 * @throws BnBackendError naming the backend when the output is missing or not float32/float64.
 */
export function outputData(backend: string, outputs: Awaited<ReturnType<OrtSession['run']>>, name: string): Float32Array | Float64Array {
  const data = outputs[name]?.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  throw new BnBackendError(backend, `a float32 or float64 tensor from ONNX Runtime as output ${name}`, describeValue(data));
}
