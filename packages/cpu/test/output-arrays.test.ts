import { describe, expect, it } from 'vitest';
import { BackendFloat32Array, OutputArrays } from '../src/output-arrays.js';
import { WasmArena } from '../src/wasm-arena.js';

describe('OutputArrays', () => {
  it('allocates in the arena up to its budget, then plain arrays until outputs are forgotten', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const outputs = new OutputArrays(arena, 1024, 0);
    const a = outputs.float32(128); // 512 bytes
    const b = outputs.float32(128); // 1024 bytes: the budget
    expect(arena.owns(a) && arena.owns(b)).toBe(true);
    expect(a).toBeInstanceOf(BackendFloat32Array);
    const c = outputs.float32(1);
    expect(arena.owns(c)).toBe(false);
    expect(outputs.forget(a)).toBe(true);
    expect(outputs.forget(a)).toBe(false);
    arena.freeFloat32(a);
    expect(arena.owns(outputs.float32(128))).toBe(true);
  });

  it('gives plain arrays below its minimum size', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const outputs = new OutputArrays(arena, 1 << 20, 4096);
    expect(arena.owns(outputs.float32(1023))).toBe(false);
    expect(arena.owns(outputs.float32(1024))).toBe(true);
  });

  it('gives subarrays that read the same memory', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const y = new OutputArrays(arena, 1024, 0).float32(8);
    y.set([0, 1, 2, 3, 4, 5, 6, 7]);
    const view = y.subarray(2, 5);
    expect(Array.from(view)).toEqual([2, 3, 4]);
    expect(view.buffer).toBe(y.buffer);
  });
});
