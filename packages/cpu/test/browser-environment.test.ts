import { describeConformance } from '@bnkit/spec/vitest';
import { describe, expect, it, vi } from 'vitest';
import { cpuEnvironment } from '../src/environment.browser.js';
import { cpuExpectations, createCpuBackend } from '../src/index.js';

// The browser adapter in place of Node's, in a scope that is not cross-origin isolated (Node has
// no `crossOriginIsolated`): the backend must run on one thread without shared memory, and pass.
vi.mock('#environment', () => import('../src/environment.browser.js'));

describe('the browser environment adapter outside a cross-origin isolated page', () => {
  it('names the missing isolation as the reason there is no shared memory', () => {
    expect(cpuEnvironment.sharedMemoryProblem()).toMatch(/not cross-origin isolated/);
  });

  it('decodes base64 as Node does', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => (i * 37) & 255);
    expect(Array.from(cpuEnvironment.decodeBase64(Buffer.from(bytes).toString('base64')))).toEqual(Array.from(bytes));
  });

  it('gives a backend with the SIMD kernels on one thread, plain arrays from allocate(), and says why', async () => {
    const backend = createCpuBackend({ threads: 2 });
    await backend.init();
    try {
      expect(backend.simd).toBe(true);
      expect(backend.threads).toBe(1);
      expect(backend.threading).toMatch(/^1 thread without shared memory: the page is not cross-origin isolated/);
      const a = backend.allocate(4);
      expect(a.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      expect(() => backend.free(a)).not.toThrow();
    } finally {
      await backend.dispose();
    }
  });
});

describeConformance('cpu (browser adapter, not cross-origin isolated)', () => createCpuBackend({ parallelThreshold: 0 }), cpuExpectations, { properties: false });
