import type { AffineRequest, BackwardRequest, GradInputRequest, GradSumsRequest, InferenceRequest, Kernels, MomentsRequest, TrainForwardRequest } from './kernels.js';

/**
 * Runs the kernels over a whole tensor one pass at a time (the plain-JavaScript kernels, for
 * float64 tensors or without WebAssembly SIMD); the operations do the per-channel steps between
 * passes. The per-channel results are float64 and land in the request's own arrays.
 */
export interface PassExecutor {
  readonly kind: 'passes';
  moments(request: MomentsRequest): Promise<void>;
  affine(request: AffineRequest): Promise<void>;
  gradSums(request: GradSumsRequest): Promise<void>;
  gradInput(request: GradInputRequest): Promise<void>;
}

/**
 * Runs whole operations, every per-channel step included, where its kernels run (the WebAssembly
 * executor: no per-channel loop is left to JavaScript).
 */
export interface OperationExecutor {
  readonly kind: 'operations';
  /** Inference from the running statistics. */
  inference(request: InferenceRequest): Promise<void>;
  /** The training forward's batch statistics and y (also inference with `trackRunningStats: false`). */
  trainForward(request: TrainForwardRequest): Promise<void>;
  /** Backward's sums, dgamma and dx. */
  backward(request: BackwardRequest): Promise<void>;
}

/** Either kind; an executor serves one call at a time (the backend serialises its operations). */
export type Executor = PassExecutor | OperationExecutor;

/** An executor that runs `kernels` over the whole tensor on the calling thread, pass by pass. */
export function serialExecutor(kernels: Kernels): PassExecutor {
  return {
    kind: 'passes',
    async moments(request) {
      kernels.moments({ ...request, start: 0, end: request.geo.size });
    },
    async affine(request) {
      kernels.affine({ ...request, start: 0, end: request.geo.size });
    },
    async gradSums(request) {
      kernels.gradSums({ ...request, start: 0, end: request.geo.size });
    },
    async gradInput(request) {
      kernels.gradInput({ ...request, start: 0, end: request.geo.size });
    },
  };
}
