import { BnValueError } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { WasmArena } from '../src/index.js';

describe('WasmArena', () => {
  it('hands out disjoint, 64-byte aligned, zero-filled ranges it recognises', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const a = arena.allocateFloat32(10);
    const b = arena.allocateFloat32(10);
    expect(a.byteOffset % 64).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 64);
    expect(Array.from(b)).toEqual(new Array(10).fill(0));
    expect(arena.owns(a)).toBe(true);
    expect(arena.owns(new Float32Array(10))).toBe(false);
  });

  it('reuses freed space, coalescing neighbours', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const a = arena.allocateBytes(64);
    const b = arena.allocateBytes(64);
    arena.allocateBytes(64);
    arena.freeBytes(a);
    arena.freeBytes(b);
    expect(arena.allocateBytes(128)).toBe(a);
  });

  it('grows the memory, keeping earlier views valid and recognised', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const early = arena.allocateFloat32(4);
    early[0] = 7;
    const big = arena.allocateFloat32(200_000);
    expect(big.length).toBe(200_000);
    expect(early[0]).toBe(7);
    expect(arena.owns(early)).toBe(true);
    expect(arena.owns(big)).toBe(true);
  });

  it('refuses a length that is not a positive integer, or more than the maximum', () => {
    const arena = new WasmArena({ initial: 2, maximum: 4 });
    expect(() => arena.allocateBytes(0)).toThrow(BnValueError);
    expect(() => arena.allocateBytes(1.5)).toThrow(BnValueError);
    expect(() => arena.allocateBytes(10 * 65536)).toThrow(BnValueError);
  });
});

describe('WasmArena.freeFloat32', () => {
  it('frees an allocation once; a second free is a typed error and frees nothing', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const a = arena.allocateFloat32(16);
    arena.freeFloat32(a);
    const later = arena.allocateFloat32(16);
    // The later allocation reuses a's address; the stale free must not release it.
    expect(later.byteOffset).toBe(a.byteOffset);
    expect(() => arena.freeFloat32(a)).toThrow(BnValueError);
    expect(() => arena.freeFloat32(a)).toThrow(/already freed/);
    const next = arena.allocateFloat32(16);
    expect(next.byteOffset).not.toBe(later.byteOffset);
    arena.freeFloat32(later);
  });

  it('refuses a subarray or another view of an allocation, leaving the allocation live', () => {
    const arena = new WasmArena({ initial: 2, maximum: 64 });
    const a = arena.allocateFloat32(16);
    expect(() => arena.freeFloat32(a.subarray(0, 1))).toThrow(/subarray/);
    expect(() => arena.freeFloat32(new Float32Array(a.buffer, a.byteOffset, 16))).toThrow(BnValueError);
    expect(arena.isLive(a)).toBe(true);
    const b = arena.allocateFloat32(16);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 64);
    arena.freeFloat32(a);
    expect(arena.isLive(a)).toBe(false);
  });
});
