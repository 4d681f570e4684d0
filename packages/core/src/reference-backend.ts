import { BACKEND_SPECIFICATION_VERSION, FEATURES, OPERATIONS, type Backend } from './backend.js';
import { referenceBackward } from './backward.js';
import { CONVENTION_NAMES } from './conventions.js';
import type { BackendDescriptor } from './descriptor.js';
import { referenceInference, referenceTrainForward } from './forward.js';
import { LAYOUTS } from './layout.js';
import { BackendLifecycle } from './lifecycle.js';

/**
 * Creates the float64 reference as a backend named `reference`: every operation, layout,
 * convention and feature, float32 or float64 input, float64 output. It is the yardstick, not a
 * fast path. It needs no `init` before its first operation; after `dispose` it throws until
 * `init` is called again, like every backend.
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
      return referenceInference(input);
    },
    async trainForward(input) {
      lifecycle.assertUsable('trainForward');
      return referenceTrainForward(input);
    },
    async backward(input) {
      lifecycle.assertUsable('backward');
      return referenceBackward(input);
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
