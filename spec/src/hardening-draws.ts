import fc from 'fast-check';
import { BnError, LAYOUTS, type Backend, type BackwardInput, type ConventionName, type InferenceInput, type Layout, type Operation } from '@bnkit/core';

/** A small shape drawn within a backend's declared layouts: at most 3 samples, 3 channels and 3 per spatial dim. */
export interface DrawnShape {
  readonly layout: Layout;
  readonly shape: number[];
  readonly convention: ConventionName;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
}

/** The most elements a drawn shape holds (NCDHW [3, 3, 3, 3, 3]). */
export const MAX_DRAWN_SIZE = 243;

/**
 * Shapes, conventions and options within what `backend` declares: a layout and convention it
 * lists, `affine: false` and `trackRunningStats: false` only when it lists those features. Every
 * channel holds at least two values, so training is defined.
 */
export function drawnShapeArbitrary(backend: Backend): fc.Arbitrary<DrawnShape> {
  const caps = backend.capabilities;
  const layouts = LAYOUTS.filter((layout) => caps.layouts.includes(layout));
  const has = (feature: (typeof caps.features)[number]): boolean => caps.features.includes(feature);
  return fc
    .record({
      layout: fc.constantFrom(...layouts),
      n: fc.integer({ min: 1, max: 3 }),
      c: fc.integer({ min: 1, max: 3 }),
      spatial: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
      convention: fc.constantFrom(...caps.conventions),
      affine: has('affine-off') ? fc.boolean() : fc.constant(true),
      trackRunningStats: has('untracked-running-stats') ? fc.boolean() : fc.constant(true),
    })
    .map(({ layout, n, c, spatial, convention, affine, trackRunningStats }) => {
      const dims = spatial.slice(0, layout.length - 2);
      const perSample = dims.reduce((a, b) => a * b, 1);
      const samples = n * perSample < 2 ? 2 : n;
      const shape = layout.endsWith('C') ? [samples, ...dims, c] : [samples, c, ...dims];
      return { layout, shape, convention, affine, trackRunningStats };
    });
}

/** `MAX_DRAWN_SIZE` numbers in [-1, 1], from which a case takes the values it needs. */
export function unitValuesArbitrary(): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: MAX_DRAWN_SIZE, maxLength: MAX_DRAWN_SIZE });
}

/**
 * Whether `error` is one of bnkit's typed errors. Checked by shape as well as by class, because a
 * bundle may hold a second copy of core whose `BnError` is another class.
 */
export function isTypedError(error: unknown): error is BnError {
  if (error instanceof BnError) return true;
  const fields = error as { argument?: unknown; expected?: unknown; actual?: unknown } | null;
  return error instanceof Error && typeof fields?.argument === 'string' && typeof fields.expected === 'string' && typeof fields.actual === 'string';
}

/** An error as one line: its class name and message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0] ?? ''}` : String(error);
}

/** The outputs of one operation by name: per-element arrays, and numBatchesTracked as a number. */
export type OperationOutputs = Record<string, ArrayLike<number> | number | undefined>;

/** Runs `operation` on `backend` with `input` (an inference/trainForward request, or a backward one) and returns its outputs by name. */
export async function operationOutputs(backend: Backend, operation: Operation, input: InferenceInput | BackwardInput): Promise<OperationOutputs> {
  if (operation === 'inference') return { ...(await backend.inference(input as InferenceInput)) };
  if (operation === 'backward') return { ...(await backend.backward(input as BackwardInput)) };
  return { ...(await backend.trainForward(input as InferenceInput)) };
}

/** A drawn case as JSON, with infinities and NaN spelled out (JSON.stringify would print null). */
export function describeCase(drawn: object): string {
  return JSON.stringify(drawn, (_, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
}
