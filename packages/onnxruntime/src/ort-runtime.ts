import { BnBackendError, BnValueError, describeValue, type FloatArray } from '@bnkit/core';
import type * as Ort from 'onnxruntime-node';
import type { GraphDataType } from './graph-parts.js';

/** The `onnxruntime-node` module. */
export type OrtModule = typeof Ort;

let loading: Promise<OrtModule> | undefined;

/**
 * Loads `onnxruntime-node` (a peer dependency) once. It is imported on first use, not at module
 * load, so that this package can be imported, and its graph builders used, without it.
 * @throws BnBackendError when `onnxruntime-node` cannot be loaded.
 */
export function loadOnnxruntime(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').then(
    (loaded) => ('InferenceSession' in loaded ? loaded : (loaded as unknown as { default: OrtModule }).default),
    (error: unknown) => {
      loading = undefined;
      throw new BnBackendError('onnxruntime-node', 'an installed onnxruntime-node >= 1.30 (peer dependency)', String(error));
    },
  );
  return loading;
}

/** Session options for bnkit's small graphs: one operator after another on `intraOpNumThreads` threads, quiet logs. */
export function sessionOptions(intraOpNumThreads: number): Ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 };
}

/**
 * Checks a thread count option.
 * @throws BnValueError when it is not an integer >= 1.
 */
export function checkThreads(argument: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new BnValueError(argument, 'an integer >= 1', describeValue(value));
  return value;
}

/** `values` as an array of the graph's element type: itself when it already is one, else a converted copy. */
export function asGraphArray(values: FloatArray, dataType: GraphDataType): Float32Array | Float64Array {
  if (dataType === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values);
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** The graph element type that follows x: float64 models for Float64Array input, float32 otherwise. */
export function graphDataTypeOf(x: FloatArray): GraphDataType {
  return x instanceof Float64Array ? 'float64' : 'float32';
}

/** An ONNX Runtime tensor of the graph's element type. */
export function ortTensor(ort: OrtModule, dataType: GraphDataType, values: FloatArray, dims: readonly number[]): Ort.Tensor {
  return new ort.Tensor(dataType, asGraphArray(values, dataType), dims);
}

/**
 * The float data of a session output.
 * @throws BnBackendError when the output is missing or not float32/float64.
 */
export function outputData(outputs: Ort.InferenceSession.OnnxValueMapType, name: string): Float32Array | Float64Array {
  const data = outputs[name]?.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  throw new BnBackendError(`output ${name}`, 'a float32 or float64 tensor from ONNX Runtime', describeValue(data));
}
