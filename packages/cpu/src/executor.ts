import type { FloatArray, Operation } from '@bnkit/core';
import type { Geometry } from './geometry.js';
import type { AffineRequest, BackwardChannelsRequest, GradInputRequest, GradSumsRequest, RunningInferenceRequest, Kernels, MomentsRequest, TrainChannelsRequest } from './kernels.js';

/**
 * Runs the kernels over a whole tensor: on the calling thread, or split across worker threads.
 * Whichever runs them, the per-channel results are float64, combine exactly, and land in the
 * request's own arrays. An executor serves one call at a time (the backend serialises its operations).
 */
export interface Executor {
  moments(request: MomentsRequest): Promise<void>;
  affine(request: AffineRequest): Promise<void>;
  gradSums(request: GradSumsRequest): Promise<void>;
  gradInput(request: GradInputRequest): Promise<void>;
  /**
   * Whether `trainChannels` or `backwardChannels` (as `operation` names) serves these tensors laid
   * out as `geo`: an executor that has them says so for tensors it can process by whole channels.
   */
  servesChannels?(geo: Geometry, tensors: readonly FloatArray[], operation: Exclude<Operation, 'inference'>): boolean;
  /**
   * Inference from the running statistics with every per-channel constant computed once where
   * the kernels run (no per-channel loop in JavaScript).
   */
  runningInference?(request: RunningInferenceRequest): Promise<void>;
  /**
   * Training forward channel by channel: each channel's statistics, then its y, while its values
   * are still in the cache (one read of x from memory instead of two).
   */
  trainChannels?(request: TrainChannelsRequest): Promise<void>;
  /** Backward channel by channel: each channel's sums, then its dx (one read of x and dy from memory instead of two). */
  backwardChannels?(request: BackwardChannelsRequest): Promise<void>;
}

/** An executor that runs `kernels` over the whole tensor on the calling thread. */
export function serialExecutor(kernels: Kernels): Executor {
  return {
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
