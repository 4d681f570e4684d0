import {
  BACKEND_SPECIFICATION_VERSION,
  CONVENTION_NAMES,
  FEATURES,
  LAYOUTS,
  OPERATIONS,
  forEachInChannel,
  inverseStds,
  newBatchWeight,
  prepareBackward,
  prepareInference,
  prepareTrainForward,
  referenceTrainForward,
  type Backend,
  type BackwardInput,
  type FloatArray,
  type ResolvedOptions,
  type ShapeInfo,
} from '@bnkit/core';

/*
 * Test doubles that compute like float32 engines, every operation rounded with Math.fround, to
 * show what the default tolerances let through and what they stop.
 */

const f = Math.fround;

function runningUpdate(options: ResolvedOptions, rm: FloatArray, rv: FloatArray, count: number | undefined, mean: Float32Array, variance: Float32Array, m: number) {
  const after = (count ?? 0) + 1;
  const w = f(newBatchWeight(options, after));
  const keep = f(1 - w);
  const correction = options.convention.runningVariance === 'unbiased' && m > 1 ? f(m / (m - 1)) : 1;
  const runningMean = Float32Array.from(rm, (r, c) => f(f(keep * r) + f(w * (mean[c] as number))));
  const runningVar = Float32Array.from(rv, (r, c) => f(f(keep * r) + f(w * f((variance[c] as number) * correction))));
  return { runningMean, runningVar, numBatchesTracked: after };
}

/** y = gamma * ((x - mean) * invStd) + beta, each operation rounded to float32; the mean is subtracted first, so beta survives. */
function normaliseF32(x: FloatArray, info: ShapeInfo, mean: Float32Array, invStd: Float32Array, gamma: FloatArray | undefined, beta: FloatArray | undefined): Float32Array {
  const y = new Float32Array(info.size);
  for (let c = 0; c < info.c; c++) {
    const g = gamma ? (gamma[c] as number) : 1;
    const b = beta ? (beta[c] as number) : 0;
    forEachInChannel(info, c, (i) => {
      y[i] = f(f(g * f(f((x[i] as number) - (mean[c] as number)) * (invStd[c] as number))) + b);
    });
  }
  return y;
}

function backwardF32(request: BackwardInput) {
  const { info, options, input } = prepareBackward(request);
  const m = info.perChannel;
  const dx = new Float32Array(info.size);
  const dgamma = new Float32Array(info.c);
  const dbeta = new Float32Array(info.c);
  for (let c = 0; c < info.c; c++) {
    const mean = f(input.savedMean[c] as number);
    const invStd = f(input.savedInvStd[c] as number);
    let sumDy = 0;
    let sumDyXhat = 0;
    forEachInChannel(info, c, (i) => {
      const xhat = f(f((input.x[i] as number) - mean) * invStd);
      sumDy = f(sumDy + (input.dy[i] as number));
      sumDyXhat = f(sumDyXhat + f((input.dy[i] as number) * xhat));
    });
    dbeta[c] = sumDy;
    dgamma[c] = sumDyXhat;
    const gamma = options.affine ? (input.gamma?.[c] as number) : 1;
    const k = f(f(gamma * invStd) / m);
    forEachInChannel(info, c, (i) => {
      const xhat = f(f((input.x[i] as number) - mean) * invStd);
      dx[i] = f(k * f(f(f(m * (input.dy[i] as number)) - sumDy) - f(xhat * sumDyXhat)));
    });
  }
  return options.affine ? { dx, dgamma, dbeta } : { dx };
}

/** y = scale * x + (beta - mean * scale) with scale = gamma * invStd, in float32: the folded form, which cancels beta when mean * scale dwarfs it. */
function normaliseFoldedF32(x: FloatArray, info: ShapeInfo, mean: Float32Array, invStd: Float32Array, gamma: FloatArray | undefined, beta: FloatArray | undefined): Float32Array {
  const y = new Float32Array(info.size);
  for (let c = 0; c < info.c; c++) {
    const scale = f((gamma ? (gamma[c] as number) : 1) * (invStd[c] as number));
    const shift = f((beta ? (beta[c] as number) : 0) - f((mean[c] as number) * scale));
    forEachInChannel(info, c, (i) => {
      y[i] = f(f((x[i] as number) * scale) + shift);
    });
  }
  return y;
}

type Statistics = (x: FloatArray, info: ShapeInfo, eps: number) => { mean: Float32Array; variance: Float32Array; invStd: Float32Array };

function float32Backend(name: string, statistics: Statistics, normalise = normaliseF32): Backend {
  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name,
    capabilities: { operations: OPERATIONS, layouts: LAYOUTS, conventions: CONVENTION_NAMES, dtypes: ['float32'], features: FEATURES },
    async init() {},
    async dispose() {},
    async inference(request) {
      const { info, options, input } = prepareInference(request);
      const gamma = options.affine ? input.gamma : undefined;
      const beta = options.affine ? input.beta : undefined;
      if (!options.trackRunningStats) {
        const stats = statistics(input.x, info, options.eps);
        return { y: normalise(input.x, info, stats.mean, stats.invStd, gamma, beta) };
      }
      const mean = Float32Array.from(input.runningMean as FloatArray);
      const invStd = Float32Array.from(inverseStds(input.runningVar as FloatArray, options.eps));
      return { y: normalise(input.x, info, mean, invStd, gamma, beta) };
    },
    async trainForward(request) {
      const { info, options, input } = prepareTrainForward(request);
      const stats = statistics(input.x, info, options.eps);
      const y = normalise(input.x, info, stats.mean, stats.invStd, options.affine ? input.gamma : undefined, options.affine ? input.beta : undefined);
      const out = { y, batchMean: stats.mean, batchVar: stats.variance, invStd: stats.invStd };
      if (!options.trackRunningStats) return out;
      return { ...out, ...runningUpdate(options, input.runningMean as FloatArray, input.runningVar as FloatArray, input.numBatchesTracked, stats.mean, stats.variance, info.perChannel) };
    },
    async backward(input) {
      return backwardF32(input);
    },
  };
}

/** Batch statistics accumulated in float64 and rounded to float32 once. */
const float64Statistics: Statistics = (x, info, eps) => {
  const out = referenceTrainForward({ x, shape: info.shape, layout: info.layout, options: { trackRunningStats: false, affine: false, eps } });
  return { mean: Float32Array.from(out.batchMean), variance: Float32Array.from(out.batchVar), invStd: Float32Array.from(out.invStd) };
};

/**
 * A float32 engine fed with statistics (inverse std included) computed in float64 and rounded to
 * float32 once, as a careful backend does, that subtracts the mean before scaling; everything
 * else in float32. It should pass every vector within float32's range.
 */
export function float32WithFloat64Stats(): Backend {
  return float32Backend('float32-f64-stats', float64Statistics);
}

/** The same engine with the folded y = scale * x + (beta - mean * scale): a zero-variance channel at eps 1e-50 loses beta. */
export function float32Folded(): Backend {
  return float32Backend('float32-folded', float64Statistics, normaliseFoldedF32);
}

/** The same engine with the inverse std formed in float32 from var + eps: eps 1e-50 rounds to 0 there. */
export function float32InverseStd(): Backend {
  return float32Backend('float32-inverse-std', (x, info, eps) => {
    const stats = float64Statistics(x, info, eps);
    return { ...stats, invStd: Float32Array.from(stats.variance, (v) => f(1 / f(Math.sqrt(f(v + f(eps)))))) };
  });
}

/** A float32 engine that accumulates E[x] and E[x^2] in float32: the offset-1e4 vectors must stop it. */
export function float32Accumulating(): Backend {
  return float32Backend('float32-accumulating', (x, info, eps) => {
    const mean = new Float32Array(info.c);
    const variance = new Float32Array(info.c);
    const invStd = new Float32Array(info.c);
    for (let c = 0; c < info.c; c++) {
      let sum = 0;
      let sumSquares = 0;
      forEachInChannel(info, c, (i) => {
        sum = f(sum + (x[i] as number));
        sumSquares = f(sumSquares + f((x[i] as number) * (x[i] as number)));
      });
      const mu = f(sum / info.perChannel);
      mean[c] = mu;
      variance[c] = Math.max(0, f(f(sumSquares / info.perChannel) - f(mu * mu)));
      invStd[c] = f(1 / f(Math.sqrt(f((variance[c] as number) + eps))));
    }
    return { mean, variance, invStd };
  });
}
