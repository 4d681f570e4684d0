import { createCpuBackend } from '../src/index.js';
import { describeReferenceAgreement } from './reference-agreement.js';

describeReferenceAgreement('cpu (WebAssembly SIMD, staged, one thread)', () => createCpuBackend({ threads: 1 }), false, 1e-6);
describeReferenceAgreement('cpu (WebAssembly SIMD, in shared memory, one thread)', () => createCpuBackend({ threads: 1 }), true, 1e-6);
describeReferenceAgreement('cpu (WebAssembly SIMD, in shared memory, two threads)', () => createCpuBackend({ threads: 2, parallelThreshold: 0 }), true, 1e-6);
