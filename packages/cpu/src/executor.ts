import type { AffineRequest, GradInputRequest, GradSumsRequest, Kernels, MomentsRequest } from './kernels.js';

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
