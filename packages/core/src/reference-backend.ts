import { BACKEND_SPECIFICATION_VERSION, FEATURES, OPERATIONS, type Backend } from './backend.js';
import { referenceBackward } from './backward.js';
import { CONVENTION_NAMES } from './conventions.js';
import { referenceInference, referenceTrainForward } from './forward.js';
import { LAYOUTS } from './layout.js';

/**
 * The float64 reference as a backend named `reference`: every operation, layout, convention and
 * feature, float32 or float64 input, float64 output. It is the yardstick, not a fast path.
 */
export const referenceBackend: Backend = {
  specificationVersion: BACKEND_SPECIFICATION_VERSION,
  name: 'reference',
  capabilities: {
    operations: OPERATIONS,
    layouts: LAYOUTS,
    conventions: CONVENTION_NAMES,
    dtypes: ['float32', 'float64'],
    features: FEATURES,
  },
  async init() {},
  async inference(input) {
    return referenceInference(input);
  },
  async trainForward(input) {
    return referenceTrainForward(input);
  },
  async backward(input) {
    return referenceBackward(input);
  },
  async dispose() {},
};
