import { BACKEND_SPECIFICATION_VERSION, FEATURES, OPERATIONS, type Backend } from './backend.js';
import { referenceBackward } from './backward.js';
import { CONVENTION_NAMES } from './conventions.js';
import type { BackendDescriptor } from './descriptor.js';
import { referenceInference, referenceTrainForward } from './forward.js';
import { describeShape, LAYOUTS, type Layout } from './layout.js';
import { BackendLifecycle } from './lifecycle.js';
import type { FloatArray } from './tensors.js';
import { checkArray } from './validate.js';

/**
 * Checks a caller's output buffer before anything is written to it: a Float32Array or Float64Array of the size of x.
 * @throws BnValueError for another type; BnShapeError for another length.
 */
function checkOut(argument: string, out: FloatArray | undefined, shape: readonly number[], layout: Layout): FloatArray | undefined {
  return out === undefined ? undefined : checkArray(argument, out, describeShape(shape, layout).size, 'the size of x');
}

/** Copies a float64 result into the caller's buffer (rounding to its element type) and returns the buffer. */
function into(out: FloatArray | undefined, values: Float64Array): FloatArray {
  if (out === undefined) return values;
  out.set(values);
  return out;
}

/**
 * Creates the float64 reference as a backend named `reference`: every operation, layout,
 * convention and feature, float32 or float64 input, float64 output. It is the yardstick, not a
 * fast path. It needs no `init` before its first operation; after `dispose` it throws until
 * `init` is called again, like every backend. Output buffers (`out.y`, `out.dx`) are honoured like
 * every backend's: checked after the inputs, filled with the float64 result rounded to their
 * element type, and returned; the result is complete before it is written, so `out.y` may be x.
 */
export function createReferenceBackend(): Backend {
  const lifecycle = new BackendLifecycle('reference');
  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: 'reference',
    capabilities: {
      operations: OPERATIONS,
      layouts: LAYOUTS,
      conventions: CONVENTION_NAMES,
      dtypes: ['float32', 'float64'],
      features: FEATURES,
    },
    async init() {
      lifecycle.initialised();
    },
    async inference(input) {
      lifecycle.assertUsable('inference');
      const result = referenceInference(input);
      return { ...result, y: into(checkOut('out.y', input.out?.y, input.shape, input.layout), result.y) };
    },
    async trainForward(input) {
      lifecycle.assertUsable('trainForward');
      const result = referenceTrainForward(input);
      return { ...result, y: into(checkOut('out.y', input.out?.y, input.shape, input.layout), result.y) };
    },
    async backward(input) {
      lifecycle.assertUsable('backward');
      const result = referenceBackward(input);
      return { ...result, dx: into(checkOut('out.dx', input.out?.dx, input.shape, input.layout), result.dx) };
    },
    async dispose() {
      lifecycle.disposed();
    },
  };
}

/** A reference backend for direct use outside the registry (tests, one-off comparisons). */
export const referenceBackend: Backend = createReferenceBackend();

/** The reference's registry entry: the yardstick every other backend is measured against. */
export const referenceDescriptor: BackendDescriptor = {
  name: 'reference',
  packageName: '@bnkit/core',
  precision: 'float64',
  role: 'yardstick',
  environments: ['node', 'browser'],
  priority: -100,
  // The yardstick itself: nothing to expect to fail, no tolerance to widen.
  expectations: { backend: 'reference', expectedFailures: [], toleranceOverrides: [] },
  create: createReferenceBackend,
};
