import { BnBackendError, BnValueError, describeValue } from '@bnkit/core';
import type * as Ort from 'onnxruntime-node';
import type { OrtSessionOptions } from './ort-api.js';

/** The `onnxruntime-node` module. */
export type OrtModule = typeof Ort;

let loading: Promise<OrtModule> | undefined;

/**
 * Loads `onnxruntime-node` (a peer dependency) once. It is imported on first use, not at module
 * load, so that this package can be imported, and its graph builders used, without it.
 * @throws BnBackendError (the import's error as `cause`) when `onnxruntime-node` cannot be loaded.
 */
export function loadOnnxruntime(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').then(
    (loaded) => ('InferenceSession' in loaded ? loaded : (loaded as unknown as { default: OrtModule }).default),
    (error: unknown) => {
      loading = undefined;
      const failure = new BnBackendError('onnxruntime-node', 'an installed onnxruntime-node >= 1.30 (peer dependency)', String(error));
      failure.cause = error;
      throw failure;
    },
  );
  return loading;
}

/** Session options for bnkit's small graphs: one operator after another on `intraOpNumThreads` threads, quiet logs. */
export function sessionOptions(intraOpNumThreads: number): OrtSessionOptions & Ort.InferenceSession.SessionOptions {
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
