import fc from 'fast-check';
import { BnBackendError, LAYOUTS, OPERATIONS, type Backend, type BackendExpectations, type ConventionName, type Layout, type Operation } from '@bnkit/core';
import { missingCapability } from './capabilities.js';
import { describeResult } from './conformance.js';
import { effectiveTolerances } from './expectations.js';
import { generateCase } from './generate/generate.js';
import type { CaseRecipe, ValueRecipe } from './generate/recipe.js';
import { outcomePasses, runCaseOperation, type ArrayAllocator } from './run-case.js';

/** Random cases per operation of a property check, unless the caller asks for another number. */
export const DEFAULT_PROPERTY_RUNS = 30;

/** Options of `checkProperties`. */
export interface PropertyOptions {
  /** Random cases per operation; default `DEFAULT_PROPERTY_RUNS`. */
  numRuns?: number;
  /** The fast-check seed; default a random one (reported, so a failure can be replayed). */
  seed?: number;
  /** A counterexample path to replay (with its seed), as a failure reports it. */
  path?: string;
  /** Operations to check; default every operation the backend declares. */
  operations?: readonly Operation[];
  /** The backend's declared expectations; tolerance overrides that match a random case's id (`*` matches all) widen its tolerance. */
  expectations?: BackendExpectations;
  /** Allocates the float32 inputs (see `ArrayAllocator`); default plain Float32Arrays. */
  allocator?: ArrayAllocator;
}

/** The drawn parameters of one random case: everything `generateCase` needs, small enough to shrink. */
export interface PropertyCase {
  layout: Layout;
  n: number;
  c: number;
  spatial: number[];
  convention: ConventionName;
  eps: number;
  momentum: number | null;
  affine: boolean;
  trackRunningStats: boolean;
  values: ValueRecipe;
  steps: number;
  numBatchesTracked: number;
  valueSeed: number;
}

/** The check of one operation. */
export interface PropertyResult {
  operation: Operation;
  /** `unsupported` when the backend does not declare the operation (not run). */
  status: 'passed' | 'failed' | 'unsupported';
  numRuns: number;
  /** The seed to replay the run with. */
  seed: number;
  /** On failure: the counterexample path, to replay with `seed` (fast-check's `path` option). */
  path?: string;
  /** On failure: the shrunk case. */
  counterexample?: PropertyCase;
  /** On failure: what went wrong on the shrunk case; when unsupported: why. */
  message?: string;
}

/** The result of `checkProperties`. */
export interface PropertyReport {
  backend: string;
  ok: boolean;
  results: PropertyResult[];
}

function shapeOf(layout: Layout, n: number, c: number, spatial: readonly number[]): number[] {
  const dims = spatial.slice(0, layout.length - 2);
  return layout.endsWith('C') ? [n, ...dims, c] : [n, c, ...dims];
}

/** The recipe a drawn case stands for; `operation` is checked, with the training forward its saved statistics come from. */
export function propertyRecipe(drawn: PropertyCase, operation: Operation): CaseRecipe {
  return {
    id: `property/${operation}`,
    group: 'properties',
    description: 'A random case drawn by the property-based check.',
    layout: drawn.layout,
    shape: shapeOf(drawn.layout, drawn.n, drawn.c, drawn.spatial),
    options: { convention: drawn.convention, eps: drawn.eps, momentum: drawn.momentum, affine: drawn.affine, trackRunningStats: drawn.trackRunningStats },
    operations: operation === 'trainForward' ? ['trainForward'] : ['trainForward', operation],
    steps: drawn.steps,
    numBatchesTracked: drawn.numBatchesTracked,
    values: drawn.values,
  };
}

/**
 * Why the property check of `operation` cannot run on `backend` (the operation, every layout or
 * every convention undeclared, or no float32 input), or undefined when it can.
 */
export function propertyUnsupported(backend: Backend, operation: Operation): string | undefined {
  const caps = backend.capabilities;
  if (!caps.operations.includes(operation)) return `not declared: operation ${operation}`;
  if (!LAYOUTS.some((layout) => caps.layouts.includes(layout))) return 'not declared: any layout';
  if (caps.conventions.length === 0) return 'not declared: any convention';
  if (!caps.dtypes.includes('float32')) return 'not declared: dtype float32';
  return undefined;
}

/**
 * Random cases within what `backend` declares: layouts, conventions and features.
 * @throws BnBackendError when the backend declares no layout or no convention.
 */
export function propertyCaseArbitrary(backend: Backend): fc.Arbitrary<PropertyCase> {
  const caps = backend.capabilities;
  const layouts = LAYOUTS.filter((layout) => caps.layouts.includes(layout));
  const conventions: ConventionName[] = [...caps.conventions];
  if (layouts.length === 0 || conventions.length === 0) {
    throw new BnBackendError(`${backend.name}.capabilities`, 'at least one layout and one convention', `layouts ${layouts.length}, conventions ${conventions.length}`);
  }
  const has = (feature: (typeof caps.features)[number]): boolean => caps.features.includes(feature);
  return fc
    .record({
      layout: fc.constantFrom(...layouts),
      n: fc.integer({ min: 1, max: 4 }),
      c: fc.integer({ min: 1, max: 6 }),
      spatial: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 3, maxLength: 3 }),
      convention: fc.constantFrom(...conventions),
      eps: fc.constantFrom(1e-5, 1e-3, 0.1),
      momentum: fc.constantFrom<number | null>(0.1, 0.5, 0.99, null),
      affine: has('affine-off') ? fc.boolean() : fc.constant(true),
      trackRunningStats: has('untracked-running-stats') ? fc.boolean() : fc.constant(true),
      values: fc.constantFrom<ValueRecipe>({}, { offset: 1e4, scale: 0.1 }, { scale: 1e-4 }, { constantChannel: 0 }),
      steps: fc.integer({ min: 1, max: 3 }),
      numBatchesTracked: fc.integer({ min: 0, max: 5 }),
      valueSeed: fc.integer({ min: 0, max: 0x7fffffff }),
    })
    .map((drawn) => {
      const spatial = drawn.spatial.slice(0, drawn.layout.length - 2);
      // Training needs two values per channel; a one-sample batch without spatial extent gets a second sample.
      const n = drawn.n * spatial.reduce((a, b) => a * b, 1) < 2 ? 2 : drawn.n;
      const cumulative = drawn.momentum === null && drawn.convention === 'pytorch' && has('cumulative-average');
      return { ...drawn, n, spatial, momentum: drawn.momentum === null && !cumulative ? 0.1 : drawn.momentum };
    });
}

/**
 * Checks a backend against the float64 reference on random cases, with fast-check: random
 * layouts, shapes (size-1 and odd dims included), conventions, options and values (plain, offset
 * 1e4, scale 1e-4, a constant channel), 1 to 3 chained steps. Each case is made by the golden
 * generator and compared with its default tolerances, widened by any matching override the
 * backend declares in `options.expectations`. A failure is shrunk to a small case and
 * reported with the seed and path that replay it. The backend must already be initialised.
 */
export async function checkProperties(backend: Backend, options: PropertyOptions = {}): Promise<PropertyReport> {
  const numRuns = options.numRuns ?? DEFAULT_PROPERTY_RUNS;
  const seed = options.seed ?? (Math.random() * 0x7fffffff) | 0;
  const results: PropertyResult[] = [];
  for (const operation of options.operations ?? OPERATIONS) {
    const unsupported = propertyUnsupported(backend, operation);
    if (unsupported !== undefined) {
      results.push({ operation, status: 'unsupported', numRuns: 0, seed, message: unsupported });
      continue;
    }
    const property = fc.asyncProperty(propertyCaseArbitrary(backend), async (drawn) => {
      const golden = generateCase(propertyRecipe(drawn, operation), drawn.valueSeed);
      const missing = missingCapability(backend, golden, operation);
      // The arbitrary draws only declared capabilities; anything else is a bug here, not a pass.
      if (missing !== undefined) throw new Error(`drew a case the backend does not support: ${missing}`);
      const outcome = await runCaseOperation(backend, golden, operation, effectiveTolerances(golden, operation, options.expectations), options.allocator);
      if (!outcomePasses(outcome)) {
        const status = 'failed' as const;
        throw new Error(describeResult({ id: golden.id, group: golden.group, operation, status, ...outcome, ...(outcome.error !== undefined && { reason: outcome.error }) }));
      }
      return true;
    });
    const details = await fc.check(property, { numRuns, seed, ...(options.path !== undefined && { path: options.path }) });
    if (!details.failed) {
      results.push({ operation, status: 'passed', numRuns: details.numRuns, seed });
      continue;
    }
    const error = details.errorInstance;
    results.push({
      operation,
      status: 'failed',
      numRuns: details.numRuns,
      seed: details.seed,
      ...(details.counterexamplePath !== null && { path: details.counterexamplePath }),
      ...(details.counterexample !== null && { counterexample: details.counterexample[0] }),
      message: error instanceof Error ? error.message : String(error),
    });
  }
  return { backend: backend.name, ok: results.every((result) => result.status !== 'failed'), results };
}

/** A failure of `checkProperties` as text a user can replay: the message, the shrunk case, seed and path. */
export function describePropertyFailure(result: PropertyResult): string {
  return [
    `property ${result.operation} failed after ${result.numRuns} runs: ${result.message ?? ''}`,
    `shrunk case: ${JSON.stringify(result.counterexample)}`,
    `replay: checkProperties(backend, { seed: ${result.seed}, path: ${JSON.stringify(result.path ?? '')}, operations: [${JSON.stringify(result.operation)}] })`,
  ].join('\n');
}
