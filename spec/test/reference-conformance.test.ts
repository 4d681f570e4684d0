import { referenceBackend, type BackendExpectations } from '@bnkit/core';
import { describeConformance } from '../src/vitest.js';

/** The reference's hardening failures, measured: it returns new arrays and never looks at `out`. */
const expectations: BackendExpectations = {
  backend: 'reference',
  expectedFailures: [
    { id: 'hardening/typed-errors', reason: 'the reference ignores out buffers, so an out.y of the wrong length is accepted (issue 14 item 6)' },
    { id: 'hardening/aliasing', reason: 'the reference ignores out buffers and returns a new array (issue 14 item 6)' },
  ],
  toleranceOverrides: [],
};

describeConformance('reference', () => referenceBackend, expectations);
