/**
 * The part of onnxruntime-common's API that bnkit uses, written structurally so that the same
 * code runs over `onnxruntime-node` and `onnxruntime-web` (both re-export onnxruntime-common's
 * `InferenceSession` and `Tensor`) without depending on either at compile time.
 */

/** Element types of the tensors bnkit feeds. */
export type OrtTensorType = 'float32' | 'float64' | 'int64';

/** An ONNX Runtime tensor as bnkit reads it. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** Session options bnkit sets; each runtime ignores or refuses what it does not know. */
export interface OrtSessionOptions {
  executionProviders?: readonly string[];
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** An inference session: runs feeds by input name and returns outputs by name. */
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Readonly<Record<string, OrtTensor | undefined>>>;
  release(): Promise<void>;
}

/** An ONNX Runtime module (`onnxruntime-node` or `onnxruntime-web`), as far as bnkit uses it. */
export interface OrtApi {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession>;
  };
  readonly Tensor: new (type: OrtTensorType, data: Float32Array | Float64Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}
