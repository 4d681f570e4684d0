import fc from 'fast-check';
import { createReferenceBackend, describeShape, forEachInChannel, type Backend, type BackwardInput, type FloatArray, type InferenceInput, type Operation } from '@bnkit/core';
import { describeCase, describeError, drawnShapeArbitrary, isTypedError, operationOutputs, unitValuesArbitrary, type DrawnShape, type OperationOutputs } from './hardening-draws.js';
import type { PropertyOutcome } from './hardening-finite.js';

/** The yardstick, a private instance that no suite disposes. */
const reference = createReferenceBackend();

/**
 * How the output buffer sits against the input it aliases: the very same array (`out.y === x`),
 * partly overlapping and starting later or earlier, or apart in one buffer.
 */
export type Overlap = 'exact' | 'later' | 'earlier' | 'disjoint';

/** The overlaps in the order the runs take them, so that every kind is tried whatever the seed. */
const OVERLAPS: readonly Overlap[] = ['exact', 'later', 'earlier', 'disjoint'];

/** One drawn aliasing case. */
export interface AliasingCase extends DrawnShape {
  overlap: Overlap;
  /** How far the output starts after (> 0) or before (< 0) the input, in elements; 0 unless partial. */
  shift: number;
  /** Which input the output of backward aliases. */
  aliased: 'x' | 'dy';
}

/** Agreement required with the reference: far looser than any backend's rounding, far tighter than a corrupted read (errors of order 1). */
const CLOSE = 1e-3;

/** What fast-check draws for one aliasing run; the overlap kind comes from the run's index. */
interface AliasingDraw {
  shape: DrawnShape;
  shiftFraction: number;
  aliased: 'x' | 'dy';
  units: number[];
  dyUnits: number[];
}

function aliasingDrawArbitrary(backend: Backend): fc.Arbitrary<AliasingDraw> {
  return fc.record({
    shape: drawnShapeArbitrary(backend),
    shiftFraction: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    aliased: fc.constantFrom<'x' | 'dy'>('x', 'dy'),
    units: unitValuesArbitrary(),
    dyUnits: unitValuesArbitrary(),
  });
}

/** The case of run `index`: its overlap kind in turn, a partial shift of 1 to size - 1 elements. */
function aliasingCase(draw: AliasingDraw, index: number): AliasingCase {
  const overlap = OVERLAPS[index % OVERLAPS.length] as Overlap;
  const size = draw.shape.shape.reduce((a, b) => a * b, 1);
  const distance = 1 + Math.floor(draw.shiftFraction * (size - 1));
  return { ...draw.shape, overlap, shift: overlap === 'later' ? distance : overlap === 'earlier' ? -distance : 0, aliased: draw.aliased };
}

/** Where the input and the output start in one buffer, and its length. */
function placement(drawn: AliasingCase, size: number): { input: number; output: number; length: number } {
  if (drawn.overlap === 'exact') return { input: 0, output: 0, length: size };
  if (drawn.overlap === 'disjoint') return { input: 0, output: size + 1, length: 2 * size + 1 };
  // A partial overlap: the output starts `shift` elements after (> 0) or before (< 0) the input.
  return drawn.shift > 0 ? { input: 0, output: drawn.shift, length: size + drawn.shift } : { input: -drawn.shift, output: 0, length: size - drawn.shift };
}

function firstDifference(name: string, actual: ArrayLike<number> | undefined, expected: ArrayLike<number> | undefined): string | undefined {
  if (expected === undefined) return undefined;
  if (actual === undefined || actual.length !== expected.length) return `${name}: missing or of length ${actual?.length ?? 'none'}, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= CLOSE * (1 + Math.abs(e)))) return `${name}[${i}] = ${a}, expected ${e}`;
  }
  return undefined;
}

/** Runs one aliasing case; returns what went wrong, or undefined when the backend got it right. */
async function runCase(backend: Backend, operation: Operation, drawn: AliasingCase, units: readonly number[], dyUnits: readonly number[], allocate: (length: number) => Float32Array): Promise<string | undefined> {
  const info = describeShape(drawn.shape, drawn.layout);
  const size = info.size;
  const x = new Float32Array(size);
  for (let ch = 0; ch < info.c; ch++) forEachInChannel(info, ch, (i) => (x[i] = 0.5 * ch + 2 * (units[i] as number)));
  const dy = Float32Array.from({ length: size }, (_, i) => dyUnits[i] as number);
  const channels = (f: (ch: number) => number) => Float32Array.from({ length: info.c }, (_, ch) => f(ch));
  const base = {
    shape: drawn.shape,
    layout: drawn.layout,
    options: { convention: drawn.convention, affine: drawn.affine, trackRunningStats: drawn.trackRunningStats },
    gamma: channels((ch) => 1.5 - ch),
    beta: channels((ch) => 0.25 * ch),
    runningMean: channels((ch) => 0.1 * ch),
    runningVar: channels((ch) => 1 + ch),
  };
  const saved = operation === 'backward' ? await reference.trainForward({ ...base, x }) : undefined;
  const plainInput = (xs: FloatArray, dys: FloatArray) => (saved ? { ...base, x: xs, dy: dys, savedMean: saved.batchMean, savedInvStd: saved.invStd } : { ...base, x: xs });
  const expected = await operationOutputs(reference, operation, plainInput(x, dy));

  const where = placement(drawn, size);
  const buffer = allocate(where.length);
  // Sentinels, exact in float32, so that a stray write anywhere in the buffer shows.
  for (let i = 0; i < where.length; i++) buffer[i] = 100 + i / 8;
  const aliasedInput = buffer.subarray(where.input, where.input + size);
  const aliasesDy = operation === 'backward' && drawn.aliased === 'dy';
  aliasedInput.set(aliasesDy ? dy : x);
  // Exact aliasing passes the very same array, as `out.y === x`.
  const out = drawn.overlap === 'exact' ? aliasedInput : buffer.subarray(where.output, where.output + size);
  const before = Float32Array.from(buffer);
  const input = aliasesDy ? plainInput(x, aliasedInput) : plainInput(aliasedInput, dy);
  const outputName = operation === 'backward' ? 'dx' : 'y';
  const relation = { exact: 'the same array as', later: `starting ${drawn.shift} after`, earlier: `starting ${-drawn.shift} before`, disjoint: 'apart from' }[drawn.overlap];
  const label = `${operation} with out.${outputName} ${relation} ${aliasesDy ? 'dy' : 'x'} (${describeCase(drawn)})`;

  let actual: OperationOutputs;
  try {
    actual = await operationOutputs(backend, operation, { ...input, out: { [outputName]: out } } as InferenceInput | BackwardInput);
  } catch (error) {
    const partial = drawn.overlap === 'later' || drawn.overlap === 'earlier';
    if (!partial || !isTypedError(error)) return `${label} threw ${describeError(error)}`;
    const written = buffer.findIndex((v, i) => v !== before[i]);
    return written >= 0 ? `${label} refused with ${describeError(error)} but wrote buffer[${written}]` : undefined;
  }
  if (actual[outputName] !== out) return `${label}: ${outputName} is not the out buffer it was given`;
  for (const [name, values] of Object.entries(expected)) {
    if (typeof values === 'number' || values === undefined) continue;
    const differs = firstDifference(name, actual[name] as ArrayLike<number> | undefined, values);
    if (differs !== undefined) return `${label}: ${differs}`;
  }
  const stray = buffer.findIndex((v, i) => (i < where.output || i >= where.output + size) && v !== before[i]);
  return stray >= 0 ? `${label}: wrote buffer[${stray}] outside out.${outputName}` : undefined;
}

/**
 * The aliasing check, seeded: the output buffer (`out.y`, or `out.dx` over x or dy) shares one
 * buffer with the input it is computed from, the runs taking in turn the very same array
 * (`out.y === x`), a partial overlap starting 1 to size - 1 elements later, one starting earlier,
 * and separate views. The call must give the reference's result in the `out` buffer it was
 * given, read the input before overwriting it (statistics and gradients included) and leave every
 * element outside `out` as it was. A partial overlap may instead be refused with a typed error,
 * with nothing written; exact aliasing and separate views must work. `allocate` makes the shared
 * buffer (e.g. an engine's own memory). Shapes, layouts, options and values are drawn with
 * fast-check from `seed`; a failure names its run, which replays with the same seed.
 */
export async function checkAliasing(backend: Backend, operation: Operation, numRuns: number, seed: number, allocate: (length: number) => Float32Array): Promise<PropertyOutcome> {
  const draws = fc.sample(aliasingDrawArbitrary(backend), { numRuns, seed });
  for (const [index, draw] of draws.entries()) {
    const failure = await runCase(backend, operation, aliasingCase(draw, index), draw.units, draw.dyUnits, allocate);
    if (failure !== undefined) return { ok: false, numRuns: index + 1, seed, message: failure };
  }
  return { ok: true, numRuns: draws.length, seed };
}
