import { referenceBackend } from '@bnkit/core';
import { describeConformance } from '../src/vitest.js';

describeConformance('reference', () => referenceBackend);
