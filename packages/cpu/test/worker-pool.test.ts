import { BnBackendError } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { WasmArena } from '../src/wasm-arena.js';
import { MEMORY_PAGES, kernelsModule } from '../src/wasm-module.js';
import { WorkerPool } from '../src/worker-pool.js';
import type { WebAssembly } from '../src/webassembly-globals.js';

describe('WorkerPool', () => {
  const module = kernelsModule();

  it('runs a kernel on the shared memory and reports a failing call as BnBackendError', async () => {
    expect(module).not.toBeNull();
    const arena = new WasmArena(MEMORY_PAGES);
    const pool = new WorkerPool(1, module as WebAssembly.Module, arena.memory);
    try {
      const x = arena.allocateFloat32(8);
      x.set([1, 2, 3, 4, 5, 6, 7, 8]);
      const y = arena.allocateFloat32(8);
      const params = arena.allocateBytes(3 * 8);
      new Float64Array(arena.buffer, params, 3).set([4.5, 2, 1]);
      const scratch = arena.allocateBytes(64);
      await pool.run(0, 'affine', [x.byteOffset, y.byteOffset, 8, 0, 1, 8, params, params + 8, params + 16, scratch]);
      expect(Array.from(y)).toEqual([-6, -4, -2, 0, 2, 4, 6, 8]);
      await expect(pool.run(0, 'noSuchKernel', [])).rejects.toThrow(BnBackendError);
      expect(pool.healthy).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('turns unhealthy when closed and then rejects calls', async () => {
    const arena = new WasmArena(MEMORY_PAGES);
    const pool = new WorkerPool(1, module as WebAssembly.Module, arena.memory);
    await pool.close();
    expect(pool.healthy).toBe(false);
    await expect(pool.run(0, 'affine', [])).rejects.toThrow(BnBackendError);
  });
});
