import fc from 'fast-check';
import {
  BnValueError,
  describeShape,
  forEachInChannel,
  createReferenceBackend,
  referenceTrainForward,
  type Backend,
  type BackwardInput,
  type InferenceInput,
  type Operation,
} from '@bnkit/core';
import { describeCase, describeError, drawnShapeArbitrary, isTypedError, operationOutputs, unitValuesArbitrary, type DrawnShape, type OperationOutputs } from './hardening-draws.js';

/** The yardstick, a private instance that no suite disposes. */
const reference = createReferenceBackend();

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * eps values the validator accepts, from 0 through ones that round to 0 or to a subnormal in
 * float32 (1e-50, 1e-45, 1e-40) to ones that overflow it (1e39).
 */
const EPS_VALUES = [0, 1e-50, 1e-45, 1e-40, 1e-30, 1e-12, 1e-5, 1e-3, 1, 1e30, 1e39];
/** Channel centres, up to the largest magnitudes float32 holds. */
const OFFSETS = [0, 1, -1e4, 1e15, 1e30, -1e30, 1e38, -3e38];
/** Channel spreads: 0 is a zero-variance (constant) channel; 1e-40 is below float32's normal range. */
const SPREADS = [0, 1e-40, 1e-30, 1e-3, 1, 1e15, 1e30, 1e38];
const GAMMAS = [0, 1, -2, 1e-30, 1e3];
const BETAS = [0, 0.5, -1e3, 1e-30];
/** Running variances the validator accepts: 0, the smallest float32 subnormal, large, the largest float32, +Infinity. */
const RUNNING_VARS = [0, 1e-45, 1, 1e30, FLOAT32_MAX, Number.POSITIVE_INFINITY];
const DY_SCALES = [0, 1e-30, 1, 1e30];

/** How one channel's values are drawn. */
interface ChannelRecipe {
  offset: number;
  spread: number;
  gamma: number;
  beta: number;
  runningMeanAtOffset: boolean;
  runningVar: number;
  dyScale: number;
}

/** One drawn case of the finite-outputs property: the shape and options, eps, and per-channel recipes. */
export interface ExtremeCase extends DrawnShape {
  eps: number;
  channels: ChannelRecipe[];
}

function extremeCaseArbitrary(backend: Backend): fc.Arbitrary<{ drawn: ExtremeCase; units: number[]; dyUnits: number[] }> {
  const channel = fc.record({
    offset: fc.constantFrom(...OFFSETS),
    spread: fc.constantFrom(...SPREADS),
    gamma: fc.constantFrom(...GAMMAS),
    beta: fc.constantFrom(...BETAS),
    runningMeanAtOffset: fc.boolean(),
    runningVar: fc.constantFrom(...RUNNING_VARS),
    dyScale: fc.constantFrom(...DY_SCALES),
  });
  return fc.record({
    drawn: fc
      .record({ shape: drawnShapeArbitrary(backend), eps: fc.constantFrom(...EPS_VALUES), channels: fc.array(channel, { minLength: 3, maxLength: 3 }) })
      .map(({ shape, eps, channels }) => ({ ...shape, eps, channels })),
    units: unitValuesArbitrary(),
    dyUnits: unitValuesArbitrary(),
  });
}

/** A value rounded to float32 and, where it overflows, clamped to the largest finite float32: a float32 input is finite. */
function finiteFloat32(value: number): number {
  const rounded = Math.fround(value);
  return Number.isFinite(rounded) ? rounded : Math.sign(value) * FLOAT32_MAX;
}

/** The float32 arrays of a drawn case: inputs every operation can take. */
function materialise(drawn: ExtremeCase, units: readonly number[], dyUnits: readonly number[]) {
  const info = describeShape(drawn.shape, drawn.layout);
  const x = new Float32Array(info.size);
  const dy = new Float32Array(info.size);
  const recipes = drawn.channels.slice(0, info.c);
  recipes.forEach((recipe, ch) => {
    forEachInChannel(info, ch, (i) => {
      x[i] = finiteFloat32(recipe.offset + recipe.spread * (units[i] as number));
      dy[i] = finiteFloat32(recipe.dyScale * (dyUnits[i] as number));
    });
  });
  const perChannel = (pick: (recipe: ChannelRecipe) => number) => Float32Array.from(recipes, (recipe) => Math.fround(pick(recipe)));
  return {
    info,
    base: {
      x,
      shape: drawn.shape,
      layout: drawn.layout,
      options: { convention: drawn.convention, eps: drawn.eps, affine: drawn.affine, trackRunningStats: drawn.trackRunningStats },
      gamma: perChannel((recipe) => recipe.gamma),
      beta: perChannel((recipe) => recipe.beta),
      runningMean: perChannel((recipe) => (recipe.runningMeanAtOffset ? finiteFloat32(recipe.offset) : 0)),
      runningVar: perChannel((recipe) => recipe.runningVar),
    } satisfies InferenceInput,
    dy,
  };
}

/**
 * Where `actual` breaks the reference's non-finite pattern: an element that is finite where the
 * reference's value, in the precision of the array the backend returned, is not, or the other way
 * round. A float32 output is held to the reference rounded to float32, since a value beyond
 * float32's range cannot be returned finite in it.
 */
function patternBreak(name: string, actual: ArrayLike<number> | undefined, expected: ArrayLike<number> | undefined): string | undefined {
  if (expected === undefined) return undefined;
  if (actual === undefined || actual.length !== expected.length) return `${name}: missing or of length ${actual?.length ?? 'none'}, expected ${expected.length}`;
  const round = actual instanceof Float32Array ? Math.fround : (v: number) => v;
  for (let i = 0; i < expected.length; i++) {
    const want = Number.isFinite(round(expected[i] as number));
    const got = Number.isFinite(actual[i] as number);
    if (want !== got) return `${name}[${i}] = ${actual[i]} where the reference has ${expected[i]}`;
  }
  return undefined;
}

/** The inputs of `operation` on a drawn case; backward gets the reference's saved statistics. */
function operationInput(operation: Operation, drawn: ExtremeCase, units: readonly number[], dyUnits: readonly number[]): InferenceInput | BackwardInput {
  const { base, dy } = materialise(drawn, units, dyUnits);
  if (operation !== 'backward') return base;
  const saved = referenceTrainForward(base);
  return { x: base.x, shape: base.shape, layout: base.layout, options: base.options, gamma: base.gamma, dy, savedMean: saved.batchMean, savedInvStd: saved.invStd };
}

/** The outcome of one property run: passed, or failed with what went wrong and the case that shows it. */
export interface PropertyOutcome {
  ok: boolean;
  numRuns: number;
  seed: number;
  message?: string;
  path?: string;
}

/**
 * The finite-outputs property: on any float32 input the validator accepts, drawn with extreme
 * magnitudes (up to 3e38), zero-variance channels, eps from 0 through 1e-50 to 1e39, running
 * variances from 0 to +Infinity, every output of `operation` is finite exactly where the float64
 * reference's is (NaN and infinities only where the reference has them). A backend may refuse an
 * input it cannot compute with a `BnValueError` (say, an eps that underflows its precision), but
 * not every input, and any other error fails. Seeded, so a failure replays; not shrunk, so an
 * expected failure costs one failing run.
 */
export async function checkFiniteOutputs(backend: Backend, operation: Operation, numRuns: number, seed: number, path?: string): Promise<PropertyOutcome> {
  let refused = 0;
  let lastRefusal = '';
  const property = fc.asyncProperty(extremeCaseArbitrary(backend), async ({ drawn, units, dyUnits }) => {
    const input = operationInput(operation, drawn, units, dyUnits);
    // The reference runs outside the try: its refusal would be a bug of this check, not the backend's.
    const expected = await operationOutputs(reference, operation, input);
    let actual: OperationOutputs;
    try {
      actual = await operationOutputs(backend, operation, input);
    } catch (error) {
      if (isTypedError(error) && error.name === BnValueError.name) {
        refused++;
        lastRefusal = describeError(error);
        return true;
      }
      throw new Error(`${operation} threw ${describeError(error)} on ${describeCase(drawn)}`);
    }
    for (const [name, values] of Object.entries(expected)) {
      // numBatchesTracked is a count, not an element.
      if (typeof values === 'number' || values === undefined) continue;
      const broken = patternBreak(`${operation}.${name}`, actual[name] as ArrayLike<number> | undefined, values);
      if (broken !== undefined) throw new Error(`${broken}, on ${describeCase(drawn)}`);
    }
    return true;
  });
  const details = await fc.check(property, { numRuns, seed, endOnFailure: true, ...(path !== undefined && { path }) });
  if (details.failed) {
    const error = details.errorInstance;
    return { ok: false, numRuns: details.numRuns, seed, message: error instanceof Error ? error.message : String(error), ...(details.counterexamplePath !== null && { path: details.counterexamplePath }) };
  }
  if (refused === details.numRuns) return { ok: false, numRuns: details.numRuns, seed, message: `refused all ${refused} drawn inputs, the last with ${lastRefusal}` };
  return { ok: true, numRuns: details.numRuns, seed };
}
