import { CONVENTION_NAMES, channelAxis, type GradcheckProblem, type GradcheckTolerance, type Layout, type Precision } from '@bnkit/core';
import { createPrng } from '@bnkit/spec';

/** Layouts gradcheck cycles through: every rank, channels first and last. */
export const GRADCHECK_LAYOUTS: readonly Layout[] = ['NC', 'NCL', 'NCHW', 'NLC', 'NHWC', 'NCDHW', 'NDHWC'];

/**
 * Tolerances of gradcheck by output precision. Float64: core's default; central differences of
 * the float64 forward are good to about 1e-8 on these small problems. Float32: x, dy and the
 * saved statistics rounded to 24-bit mantissas (unit roundoff 6e-8) leave dx a few hundred units
 * of roundoff off at worst on problems of this size, well inside abs 1e-5 + rel 1e-4, while a
 * wrong term of the formula is off by far more. Float16 has none: its unit roundoff (4.9e-4)
 * scaled the same way gives a tolerance near 1, which no wrong term could fail, so such a
 * backend is reported as not checked rather than passed.
 */
export const GRADCHECK_TOLERANCES: Readonly<Partial<Record<Precision, GradcheckTolerance>>> = {
  float64: { abs: 1e-6, rel: 1e-5 },
  float32: { abs: 1e-5, rel: 1e-4 },
};

/** The number of problems `bnkit gradcheck` checks when `--cases` is not given: every layout under two conventions, every convention under several layouts. */
export const DEFAULT_GRADCHECK_CASES = 14;

/** A random gradcheck problem with a name that says what it covers. */
export interface NamedProblem {
  readonly name: string;
  readonly problem: GradcheckProblem;
}

function shapeFor(layout: Layout, random: () => number): number[] {
  const dim = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const n = dim(2, 3);
  // At least two channels, so that a mix-up between channels (a wrong stride or axis) shows.
  const c = dim(2, 4);
  const shape = [n, ...Array.from({ length: layout.length - 2 }, () => dim(1, 3))];
  shape.splice(channelAxis(layout), 0, c);
  return shape;
}

/**
 * `count` small random BN problems with two to four channels, cycling through the layouts and,
 * independently, the conventions (hence eps), with affine off every fifth problem, and
 * per-channel offsets and scales so that the mean and variance matter. Inputs are float32 so
 * every backend takes them. The same seed gives the same problems.
 */
export function gradcheckProblems(count: number, seed: number): NamedProblem[] {
  const prng = createPrng(seed);
  const random = prng.next;
  const normal = prng.normal;
  const problems: NamedProblem[] = [];
  for (let i = 0; i < count; i++) {
    const layout = GRADCHECK_LAYOUTS[i % GRADCHECK_LAYOUTS.length] as Layout;
    // 7 layouts and 3 conventions are coprime: 21 problems cover every pair.
    const convention = CONVENTION_NAMES[i % CONVENTION_NAMES.length] ?? 'pytorch';
    const affine = i % 5 !== 4;
    const shape = shapeFor(layout, random);
    const size = shape.reduce((a, b) => a * b, 1);
    const c = shape[channelAxis(layout)] as number;
    const offsets = Array.from({ length: c }, () => 4 * normal());
    const scales = Array.from({ length: c }, () => 0.5 + 2 * random());
    const x = new Float32Array(size);
    // Row-major strides: the channel of a flat index is its coordinate on the channel axis.
    const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
    const axis = channelAxis(layout);
    for (let flat = 0; flat < size; flat++) {
      const channel = Math.floor(flat / (strides[axis] as number)) % c;
      x[flat] = (offsets[channel] as number) + (scales[channel] as number) * normal();
    }
    const dy = Float32Array.from({ length: size }, () => normal());
    const gamma = Float32Array.from({ length: c }, () => 0.5 + random());
    const beta = Float32Array.from({ length: c }, () => normal());
    problems.push({
      name: `${layout} [${shape.join(',')}] ${convention}${affine ? '' : ' affine-off'}`,
      problem: { x, dy, shape, layout, ...(affine ? { gamma, beta } : {}), options: { convention, affine } },
    });
  }
  return problems;
}
