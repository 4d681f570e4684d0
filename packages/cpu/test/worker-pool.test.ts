import { BnBackendError } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { WasmArena } from '../src/wasm-arena.js';
import { KERNEL_NAMES, MEMORY_PAGES, kernelsModule } from '../src/wasm-module.js';
import { WorkerPool } from '../src/worker-pool.js';
import type { WebAssembly } from '../src/webassembly-globals.js';

const module = kernelsModule() as WebAssembly.Module;

/** y = (x - 4.5) * 2 + 1 over x = 1..8, the affine kernel's arguments for one channel of 8 values. */
function affineCall(arena: WasmArena): { y: Float32Array; args: number[] } {
  const x = arena.allocateFloat32(8);
  x.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const y = arena.allocateFloat32(8);
  // The channel's float32 constants: hi, a, b'.
  const constants = arena.allocateFloat32(3);
  constants.set([4.5, 2, 1]);
  return { y, args: [x.byteOffset, y.byteOffset, 8, 0, 1, 8, constants.byteOffset] };
}

/** Runs `body` with a one-worker pool over a fresh memory, closing the pool afterwards. */
async function withPool(body: (pool: WorkerPool, arena: WasmArena) => Promise<void>): Promise<void> {
  const arena = new WasmArena(MEMORY_PAGES);
  const pool = new WorkerPool(1, module, arena.memory, KERNEL_NAMES);
  try {
    await body(pool, arena);
  } finally {
    await pool.close();
  }
}

describe('WorkerPool', () => {
  it('runs kernels on the shared memory through the mailbox, many calls in a row', async () => {
    expect(module).not.toBeNull();
    await withPool(async (pool, arena) => {
      const { y, args } = affineCall(arena);
      for (let call = 0; call < 1000; call++) {
        y.fill(0);
        pool.start(0, 'affine', args);
        await pool.join(0);
        expect(Array.from(y)).toEqual([-6, -4, -2, 0, 2, 4, 6, 8]);
      }
      expect(pool.healthy).toBe(true);
    });
  });

  it('wakes a worker that has gone to sleep', async () => {
    await withPool(async (pool, arena) => {
      const { y, args } = affineCall(arena);
      // Longer than the worker's spin window, so it waits in Atomics.wait.
      await new Promise((resolve) => setTimeout(resolve, 50));
      pool.start(0, 'affine', args);
      await pool.join(0);
      expect(Array.from(y)).toEqual([-6, -4, -2, 0, 2, 4, 6, 8]);
    });
  });

  it('reports a kernel that throws as BnBackendError with the worker text, and stays usable', async () => {
    await withPool(async (pool, arena) => {
      // A pointer past the end of the memory traps in the worker.
      pool.start(0, 'affine', [0xfffffff0, 0, 64, 0, 1, 64, 0]);
      const failure = await pool.join(0).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(BnBackendError);
      expect(String((failure as Error).message)).toMatch(/worker error: .*(memory access out of bounds|RuntimeError)/);
      const { y, args } = affineCall(arena);
      pool.start(0, 'affine', args);
      await pool.join(0);
      expect(Array.from(y)).toEqual([-6, -4, -2, 0, 2, 4, 6, 8]);
      expect(pool.healthy).toBe(true);
    });
  });

  it('refuses an unknown kernel or worker, and a second call before the first is joined', async () => {
    await withPool(async (pool, arena) => {
      expect(() => pool.start(0, 'noSuchKernel', [])).toThrow(/a kernel among moments, affine, .*, got noSuchKernel/);
      expect(() => pool.start(1, 'affine', [])).toThrow(BnBackendError);
      const { args } = affineCall(arena);
      pool.start(0, 'affine', args);
      // The worker may have finished already; only a call still pending is refused.
      try {
        pool.start(0, 'affine', args);
      } catch (error) {
        expect(error).toBeInstanceOf(BnBackendError);
        expect(String((error as Error).message)).toMatch(/still running its previous call/);
      }
      await pool.join(0);
    });
  });

  it('turns unhealthy when closed and then refuses calls', async () => {
    const arena = new WasmArena(MEMORY_PAGES);
    const pool = new WorkerPool(1, module, arena.memory, KERNEL_NAMES);
    await pool.close();
    expect(pool.healthy).toBe(false);
    expect(() => pool.start(0, 'affine', [])).toThrow(BnBackendError);
  });
});
