import { referenceBackend, type Backend, type BackendExpectations } from '@bnkit/core';
import { loadVectors } from '../src/index.js';
import { describeConformance } from '../src/vitest.js';

/*
 * The vitest adapter's own paths on a small selection: a declared failure registered with
 * it.fails (it passes here only because the backend really fails it), and capabilities the
 * backend does not declare registered as skipped tests titled "unsupported: ...".
 */
const cases = loadVectors().filter((golden) => golden.id === 'nc/hand/four-values' || golden.id === 'nhwc/pytorch/basic');

const inferenceOff: Backend = {
  ...referenceBackend,
  name: 'inference-off-nchw-only',
  capabilities: { ...referenceBackend.capabilities, layouts: ['NC', 'NCHW'], operations: ['inference', 'trainForward'] },
  async inference(input) {
    const out = await referenceBackend.inference(input);
    return { y: out.y.map((v) => v + 1e-2) };
  },
};

const expectations: BackendExpectations = {
  backend: 'inference-off-nchw-only',
  expectedFailures: [{ id: 'nc/hand/*', operation: 'inference', reason: 'inference adds 1e-2 on purpose' }],
  toleranceOverrides: [],
};

describeConformance('inference-off-nchw-only', () => inferenceOff, expectations, { cases, properties: false, hardening: false });
