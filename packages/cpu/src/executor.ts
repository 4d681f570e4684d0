import type { AffineRequest, GradInputRequest, GradSums, GradSumsRequest, Kernels, MomentsAccumulator, MomentsRequest } from './kernels.js';

/**
 * Runs the kernels over a whole tensor: on the calling thread, or split across worker threads.
 * Whichever runs them, the per-channel results are float64 and combine exactly. An executor
 * serves one call at a time (the backend serialises its operations).
 */
export interface Executor {
  moments(request: MomentsRequest): Promise<MomentsAccumulator>;
  affine(request: AffineRequest): Promise<void>;
  gradSums(request: GradSumsRequest): Promise<GradSums>;
  gradInput(request: GradInputRequest): Promise<void>;
}

/** Empty moments for C channels. */
export function emptyMoments(c: number): MomentsAccumulator {
  return { count: new Float64Array(c), mean: new Float64Array(c), m2: new Float64Array(c) };
}

/** An executor that runs `kernels` over the whole tensor on the calling thread. */
export function serialExecutor(kernels: Kernels): Executor {
  return {
    async moments(request) {
      const acc = emptyMoments(request.geo.c);
      kernels.moments({ ...request, start: 0, end: request.geo.size, acc });
      return acc;
    },
    async affine(request) {
      kernels.affine({ ...request, start: 0, end: request.geo.size });
    },
    async gradSums(request) {
      const sums = { sumDy: new Float64Array(request.geo.c), sumDyCentered: new Float64Array(request.geo.c) };
      kernels.gradSums({ ...request, start: 0, end: request.geo.size, sums });
      return sums;
    },
    async gradInput(request) {
      kernels.gradInput({ ...request, start: 0, end: request.geo.size });
    },
  };
}
