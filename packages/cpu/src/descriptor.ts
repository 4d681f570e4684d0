import { registerBackend, type BackendDescriptor } from '@bnkit/core';
import { cpuExpectations } from './expectations.js';

/**
 * The registry entry of the standalone CPU backend, `cpu`: the first choice when a caller asks
 * for any backend in Node. Its outputs y and dx are float32 for float32 input (statistics are
 * accumulated in float64, then rounded once). The kernels are loaded by `create`, so importing
 * this package costs nothing until the backend is opened. Registered when this module loads.
 */
export const cpuDescriptor: BackendDescriptor = {
  name: 'cpu',
  packageName: '@bnkit/cpu',
  precision: 'float32',
  role: 'backend',
  // Worker threads and the shared WebAssembly memory are Node's (node:worker_threads).
  environments: ['node'],
  priority: 100,
  expectations: cpuExpectations,
  async create() {
    const { createCpuBackend } = await import('./cpu-backend.js');
    return createCpuBackend();
  },
};

registerBackend(cpuDescriptor);
