import type { BackendExpectations } from '@bnkit/core';
import { loadVectors } from '../src/index.js';
import { describeConformance } from '../src/vitest.js';
import { namedReference } from './helpers/named-reference.js';

/*
 * The vitest adapter's own paths on a small selection, for a backend no registry holds: a
 * declared failure (its test passes here only because the backend really fails it), capabilities
 * the backend does not declare registered as skipped tests titled "unsupported: ...", and the
 * dispose contract.
 */
const cases = loadVectors().filter((golden) => golden.id === 'nc/hand/four-values' || golden.id === 'nhwc/pytorch/basic' || golden.id === 'nchw/pytorch/basic');

const inferenceOff = namedReference('inference-off-nchw-only', (base) => ({
  capabilities: { ...base.capabilities, layouts: ['NC', 'NCHW'], operations: ['inference', 'trainForward'] },
  async inference(input) {
    const out = await base.inference(input);
    return input.layout === 'NC' ? { y: out.y.map((v) => v + 1e-2) } : out;
  },
}));

const expectations: BackendExpectations = {
  backend: 'inference-off-nchw-only',
  expectedFailures: [{ id: 'nc/hand/*', operation: 'inference', reason: 'inference adds 1e-2 to NC on purpose' }],
  toleranceOverrides: [],
};

describeConformance('inference-off-nchw-only', inferenceOff, expectations, { cases, properties: false, hardening: false });
