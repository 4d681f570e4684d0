import { BnBackendError } from '@bnkit/core';
import type * as Ort from 'onnxruntime-node';

/** The `onnxruntime-node` module. */
export type OrtModule = typeof Ort;
/** An ONNX Runtime tensor. */
export type OrtTensor = Ort.Tensor;

let loading: Promise<OrtModule> | undefined;

/**
 * Loads `onnxruntime-node` (a peer dependency) once, on first use, so that the package can be
 * imported without it.
 * @throws BnBackendError when it cannot be loaded.
 */
export function loadOrt(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').then(
    (loaded) => ('InferenceSession' in loaded ? loaded : (loaded as unknown as { default: OrtModule }).default),
    (error: unknown) => {
      loading = undefined;
      throw new BnBackendError('onnxruntime-node', 'an installed onnxruntime-node >= 1.30 (peer dependency)', String(error));
    },
  );
  return loading;
}

/** Options of the sessions that run models for capture and recalibration. */
export interface RunSessionOptions {
  /** Threads per operator; default: ONNX Runtime's choice. */
  intraOpNumThreads?: number;
}

/**
 * A session over a model with every graph optimisation off, so that each BN node runs as its own
 * node (no fusion into Conv) and every value named in the graph can be an output.
 * @throws BnBackendError when ONNX Runtime cannot load it, with its message.
 */
export async function createRunSession(bytes: Uint8Array, options: RunSessionOptions = {}): Promise<Ort.InferenceSession> {
  const ort = await loadOrt();
  try {
    return await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'disabled',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      logSeverityLevel: 3,
      ...(options.intraOpNumThreads !== undefined ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    });
  } catch (error) {
    throw new BnBackendError('onnxruntime-node', 'a model ONNX Runtime can load', (error as Error).message.split('\n')[0] ?? String(error));
  }
}
