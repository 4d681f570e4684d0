import {
  BnValueError,
  GOLDEN_SPEC_VERSION,
  OPERATIONS,
  describeShape,
  describeValue,
  explicitOptions,
  forEachInChannel,
  newBatchWeight,
  referenceBackward,
  referenceInference,
  referenceTrainForward,
  resolveOptions,
  type GoldenCase,
  type GoldenExpected,
  type GoldenOptions,
  type GoldenParams,
  type GoldenStep,
  type ShapeInfo,
} from '@bnkit/core';
import { createPrng, hashSeed, type Prng } from './prng.js';
import type { CaseRecipe, ValueRecipe } from './recipe.js';
import { shortestFloat32 } from './serialize.js';
import { caseTolerances, type ToleranceStep } from './tolerances.js';

/** The seed of the committed vectors. Changing it rewrites every vector. */
export const GOLDEN_SEED = 20251125;

function toFloat32(values: readonly number[] | undefined): Float32Array | undefined {
  return values ? Float32Array.from(values) : undefined;
}

/** Values as a vector stores them: float32 inputs in their shortest decimal form. */
function float32List(values: ArrayLike<number>): number[] {
  return Array.from(values, shortestFloat32);
}

function drawParams(rng: Prng, info: ShapeInfo, options: GoldenOptions, values: ValueRecipe, numBatchesTracked: number): GoldenParams {
  const offset = values.offset ?? 0;
  const scale = values.scale ?? 1;
  const params: GoldenParams = {};
  if (options.affine) {
    params.gamma = Array.from({ length: info.c }, () => shortestFloat32(rng.uniform(0.5, 1.5) * (rng.next() < 0.25 ? -1 : 1)));
    params.beta = Array.from({ length: info.c }, () => shortestFloat32(0.5 * rng.normal()));
  }
  if (options.trackRunningStats) {
    params.runningMean = Array.from({ length: info.c }, () => shortestFloat32(offset + scale * rng.normal()));
    params.runningVar = Array.from({ length: info.c }, () => shortestFloat32(scale * scale * rng.uniform(0.5, 2)));
    params.numBatchesTracked = numBatchesTracked;
  }
  return params;
}

/** Hand-written parameters as float32 values, in the field order of drawn ones. */
function explicitParams(params: GoldenParams): GoldenParams {
  const list = (values: number[] | undefined): number[] | undefined => values && float32List(values);
  return {
    gamma: list(params.gamma),
    beta: list(params.beta),
    runningMean: list(params.runningMean),
    runningVar: list(params.runningVar),
    numBatchesTracked: params.numBatchesTracked,
  };
}

function drawX(rng: Prng, info: ShapeInfo, values: ValueRecipe, centres: number[], spreads: number[]): Float32Array {
  const offset = values.offset ?? 0;
  const scale = values.scale ?? 1;
  const x = new Float32Array(info.size);
  for (let ch = 0; ch < info.c; ch++) {
    const centre = centres[ch] as number;
    const spread = ch === values.constantChannel ? 0 : (spreads[ch] as number);
    forEachInChannel(info, ch, (i) => {
      x[i] = offset + scale * (centre + spread * rng.normal());
    });
  }
  return x;
}

function drawDy(rng: Prng, info: ShapeInfo): Float32Array {
  return Float32Array.from({ length: info.size }, () => rng.normal());
}

/**
 * Makes the golden case of a recipe: draws float32 inputs from a stream seeded by `seed` and
 * the case id (or takes the recipe's explicit values), then computes every expected output with
 * the float64 reference on those float32 values. Steps chain: a step starts from the previous
 * step's expected running statistics rounded to float32, as the conformance suite passes them.
 * The tolerances are `caseTolerances` of the case.
 * @throws BnShapeError, BnValueError for a recipe the reference refuses (bad shape or options),
 *   or explicit values of the wrong length.
 */
export function generateCase(recipe: CaseRecipe, seed: number = GOLDEN_SEED): GoldenCase {
  const resolved = resolveOptions(recipe.options);
  const options = explicitOptions(resolved) as GoldenOptions;
  const info = describeShape(recipe.shape, recipe.layout);
  const operations = recipe.operations ?? [...OPERATIONS];
  const values = recipe.values ?? {};
  const rng = createPrng(hashSeed(seed, recipe.id));
  const centres = Array.from({ length: info.c }, () => rng.uniform(-2, 2));
  const spreads = Array.from({ length: info.c }, () => rng.uniform(0.5, 2));
  const params = recipe.explicit ? explicitParams(recipe.explicit.params) : drawParams(rng, info, options, values, recipe.numBatchesTracked ?? 0);
  const stepCount = recipe.explicit ? recipe.explicit.steps.length : (recipe.steps ?? 1);
  if (recipe.explicit) {
    for (const [i, step] of recipe.explicit.steps.entries()) {
      if (step.x.length !== info.size) throw new BnValueError(`${recipe.id}: explicit.steps[${i}].x`, `length ${info.size}`, describeValue(step.x.length));
    }
  }

  const gamma = toFloat32(params.gamma);
  const beta = toFloat32(params.beta);
  let runningMean = toFloat32(params.runningMean);
  let runningVar = toFloat32(params.runningVar);
  let numBatchesTracked = params.numBatchesTracked;
  const common = { shape: recipe.shape, layout: recipe.layout, options, gamma, beta };
  const steps: GoldenStep[] = [];
  const toleranceSteps: ToleranceStep[] = [];
  for (let s = 0; s < stepCount; s++) {
    const given = recipe.explicit?.steps[s];
    const x = given ? Float32Array.from(given.x) : drawX(rng, info, values, centres, spreads);
    const wantsDy = operations.includes('backward');
    const dy = wantsDy ? (given?.dy ? Float32Array.from(given.dy) : drawDy(rng, info)) : undefined;
    const running = { runningMean, runningVar, numBatchesTracked };
    const train = referenceTrainForward({ ...common, x, ...running });
    const expected: GoldenExpected = {};
    if (operations.includes('inference')) expected.inference = { y: Array.from(referenceInference({ ...common, x, ...running }).y) };
    if (operations.includes('trainForward')) {
      expected.trainForward = {
        y: Array.from(train.y),
        batchMean: Array.from(train.batchMean),
        batchVar: Array.from(train.batchVar),
        invStd: Array.from(train.invStd),
        runningMean: train.runningMean && Array.from(train.runningMean),
        runningVar: train.runningVar && Array.from(train.runningVar),
        numBatchesTracked: train.runningMean ? train.numBatchesTracked : undefined,
      };
    }
    if (dy) {
      const grads = referenceBackward({ ...common, x, dy, savedMean: train.batchMean, savedInvStd: train.invStd });
      expected.backward = { dx: Array.from(grads.dx), dgamma: grads.dgamma && Array.from(grads.dgamma), dbeta: grads.dbeta && Array.from(grads.dbeta) };
    }
    steps.push({ x: float32List(x), dy: dy && float32List(dy), expected });
    toleranceSteps.push({
      x,
      dy,
      runningMean,
      runningVar,
      runningMeanAfter: train.runningMean,
      newBatchWeight: train.runningMean ? newBatchWeight(resolved, train.numBatchesTracked ?? 1) : undefined,
      batchMean: train.batchMean,
      invStd: train.invStd,
    });
    if (train.runningMean && train.runningVar) {
      runningMean = Float32Array.from(train.runningMean);
      runningVar = Float32Array.from(train.runningVar);
      numBatchesTracked = train.numBatchesTracked;
    }
  }
  return {
    specVersion: GOLDEN_SPEC_VERSION,
    id: recipe.id,
    group: recipe.group,
    description: recipe.description,
    operations,
    layout: recipe.layout,
    shape: [...recipe.shape],
    options,
    params,
    steps,
    tolerance: caseTolerances({ info, eps: options.eps, gamma: options.affine ? gamma : undefined, beta: options.affine ? beta : undefined, steps: toleranceSteps }),
  };
}

/**
 * Generates every case of `recipes` (the committed ones are `GOLDEN_CATALOG`'s) in their order.
 * @throws BnValueError when two recipes share an id.
 */
export function generateCases(recipes: readonly CaseRecipe[], seed: number = GOLDEN_SEED): GoldenCase[] {
  const seen = new Set<string>();
  return recipes.map((recipe) => {
    if (seen.has(recipe.id)) throw new BnValueError('recipes', 'unique case ids', `${recipe.id} twice`);
    seen.add(recipe.id);
    return generateCase(recipe, seed);
  });
}
