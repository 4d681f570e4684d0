import { CONVENTION_NAMES, type GradcheckProblem, type GradcheckTolerance, type Layout } from '@bnkit/core';
import { createPrng, standardNormal } from '@bnkit/spec';
import type { Precision } from './backends.js';

/** Layouts gradcheck cycles through: every rank, channels first and last. */
export const GRADCHECK_LAYOUTS: readonly Layout[] = ['NC', 'NCL', 'NCHW', 'NLC', 'NHWC', 'NCDHW', 'NDHWC'];

/**
 * Tolerances of gradcheck by output precision. Float64: core's default; central differences of
 * the float64 forward are good to about 1e-8 on these small problems. Float32: x, dy and the
 * saved statistics rounded to 24-bit mantissas (unit roundoff 6e-8) leave dx a few hundred units
 * of roundoff off at worst on problems of this size, well inside abs 1e-5 + rel 1e-4, while a
 * wrong term of the formula is off by far more.
 */
export const GRADCHECK_TOLERANCES: Readonly<Record<Precision, GradcheckTolerance>> = {
  float64: { abs: 1e-6, rel: 1e-5 },
  float32: { abs: 1e-5, rel: 1e-4 },
};

/** A random gradcheck problem with a name that says what it covers. */
export interface NamedProblem {
  readonly name: string;
  readonly problem: GradcheckProblem;
}

function shapeFor(layout: Layout, random: () => number): number[] {
  const dim = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const n = dim(2, 3);
  const c = dim(1, 3);
  const spatial = Array.from({ length: layout.length - 2 }, () => dim(1, 3));
  return layout.endsWith('C') && layout !== 'NC' ? [n, ...spatial, c] : [n, c, ...spatial];
}

/**
 * `count` small random BN problems, cycling through the layouts, conventions (hence eps), affine
 * on and off, with per-channel offsets and scales so that the mean and variance matter. Inputs
 * are float32 so every backend takes them. The same seed gives the same problems.
 */
export function gradcheckProblems(count: number, seed: number): NamedProblem[] {
  const random = createPrng(seed).next;
  const normal = (): number => standardNormal(random);
  const problems: NamedProblem[] = [];
  for (let i = 0; i < count; i++) {
    const layout = GRADCHECK_LAYOUTS[i % GRADCHECK_LAYOUTS.length] as Layout;
    const convention = CONVENTION_NAMES[Math.floor(i / GRADCHECK_LAYOUTS.length) % CONVENTION_NAMES.length] ?? 'pytorch';
    const affine = i % 5 !== 4;
    const shape = shapeFor(layout, random);
    const size = shape.reduce((a, b) => a * b, 1);
    const c = (layout === 'NC' || !layout.endsWith('C') ? shape[1] : shape[shape.length - 1]) as number;
    const offset = 4 * normal();
    const scale = 0.5 + 2 * random();
    const x = Float32Array.from({ length: size }, () => offset + scale * normal());
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
