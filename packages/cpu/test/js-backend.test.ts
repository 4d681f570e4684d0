import { createCpuBackend } from '../src/index.js';
import { describeReferenceAgreement } from './reference-agreement.js';

describeReferenceAgreement('cpu (plain JavaScript, one thread)', () => createCpuBackend({ simd: false, threads: 1 }));
