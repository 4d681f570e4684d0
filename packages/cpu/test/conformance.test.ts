import { describeConformance } from '@bnkit/spec/vitest';
import { cpuExpectations, createCpuBackend } from '../src/index.js';

describeConformance('cpu', () => createCpuBackend(), cpuExpectations);

// The plain-JavaScript kernels take every coefficient in float64, so the WebAssembly kernels' known failure is not theirs.
const plainExpectations = { ...cpuExpectations, expectedFailures: cpuExpectations.expectedFailures.filter((failure) => failure.id !== 'nchw/scale-1e30/untracked') };
describeConformance('cpu (plain JavaScript)', () => createCpuBackend({ simd: false, threads: 1 }), plainExpectations);
