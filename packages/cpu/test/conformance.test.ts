import { describeConformance } from '@bnkit/spec/vitest';
import { cpuExpectations, createCpuBackend } from '../src/index.js';

describeConformance('cpu', () => createCpuBackend(), cpuExpectations);

describeConformance('cpu (plain JavaScript)', () => createCpuBackend({ simd: false, threads: 1 }), cpuExpectations);
