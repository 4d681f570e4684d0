import { registerBackend, type BackendDescriptor } from '@bnkit/core';
import { cpuExpectations } from './expectations.js';

/**
 * The registry entry of the standalone CPU backend, `cpu`: the first choice when a caller asks
 * for any backend in Node, and available in browsers too. Its outputs y and dx are float32 for
 * float32 input (statistics are accumulated in float64, then rounded once). The kernels are loaded by `create`, so importing
 * this package costs nothing until the backend is opened. Registered when this module loads.
 */
export const cpuDescriptor: BackendDescriptor = {
  name: 'cpu',
  packageName: '@bnkit/cpu',
  precision: 'float32',
  role: 'backend',
  // In Node, worker_threads over a shared WebAssembly memory. In a browser, Web Workers over it
  // when the page is cross-origin isolated, one thread without shared memory otherwise (the
  // backend's `threads` and `threading` say which).
  environments: ['node', 'browser'],
  priority: 100,
  expectations: cpuExpectations,
  async create() {
    const { createCpuBackend } = await import('./cpu-backend.js');
    return createCpuBackend();
  },
};

registerBackend(cpuDescriptor);
