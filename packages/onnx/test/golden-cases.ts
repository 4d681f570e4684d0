import {
  GOLDEN_SPEC_VERSION,
  referenceInference,
  referenceTrainForward,
  resolveOptions,
  describeShape,
  type ConventionName,
  type GoldenCase,
  type GoldenStep,
  type Layout,
} from '@bnkit/core';
import { randomFloat32, seededRandom } from '@bnkit/spec/test';

/**
 * A golden case whose expectations come from core's float64 reference: `steps` batches, each
 * step's inference with the running statistics before it and its training forward updating them.
 */
export function referenceCase(layout: Layout, shape: readonly number[], convention: ConventionName, steps: number, seed: number, affine = true): GoldenCase {
  const random = seededRandom(seed);
  const { c, size } = describeShape(shape, layout);
  const options = { convention, affine };
  const resolved = resolveOptions(options);
  const f64 = (a: Float32Array) => Array.from(a);
  const gamma = randomFloat32(random, c, 0.5, 2);
  const beta = randomFloat32(random, c, -1, 1);
  let runningMean: Float64Array | Float32Array = randomFloat32(random, c, -1, 1);
  let runningVar: Float64Array | Float32Array = randomFloat32(random, c, 0.5, 2);
  const params = { gamma: f64(gamma), beta: f64(beta), runningMean: f64(runningMean as Float32Array), runningVar: f64(runningVar as Float32Array) };
  const goldenSteps: GoldenStep[] = [];
  for (let s = 0; s < steps; s++) {
    const x = randomFloat32(random, size, -3, 3);
    const common = { x, shape, layout, ...(affine ? { gamma, beta } : {}), runningMean, runningVar, options };
    const inference = referenceInference(common);
    const train = referenceTrainForward(common);
    goldenSteps.push({
      x: Array.from(x),
      expected: {
        inference: { y: Array.from(inference.y) },
        trainForward: {
          y: Array.from(train.y),
          batchMean: Array.from(train.batchMean),
          batchVar: Array.from(train.batchVar),
          invStd: Array.from(train.invStd),
          runningMean: Array.from(train.runningMean ?? []),
          runningVar: Array.from(train.runningVar ?? []),
        },
      },
    });
    runningMean = train.runningMean as Float64Array;
    runningVar = train.runningVar as Float64Array;
  }
  return {
    specVersion: GOLDEN_SPEC_VERSION,
    id: `test/${layout.toLowerCase()}/${convention}/steps-${steps}`,
    group: 'test',
    description: 'built from the core reference for this test',
    operations: ['inference', 'trainForward'],
    layout,
    shape: [...shape],
    options: { convention, eps: resolved.eps, momentum: resolved.momentum, affine, trackRunningStats: true, allowSingleValuePerChannel: false },
    params: affine ? params : { runningMean: params.runningMean, runningVar: params.runningVar },
    steps: goldenSteps,
    tolerance: { y: { abs: 1e-5, rel: 1e-5 }, stats: { abs: 1e-6, rel: 1e-5 }, dx: { abs: 1e-5, rel: 1e-5 }, dparams: { abs: 1e-5, rel: 1e-5 } },
  };
}
