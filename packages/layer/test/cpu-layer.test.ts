import { afterAll, describe, expect, it } from 'vitest';
import '@bnkit/cpu';
import { closeBackend } from '@bnkit/core';
import { BatchNorm, isAllocating } from '../src/index.js';

// The cpu backend as users get it: registered by importing its package, opened by the registry.
afterAll(() => closeBackend('cpu'));

function seeded(length: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 30 - 1;
  });
}

describe('the layer on the cpu backend', () => {
  it("keeps its buffers in the backend's memory and matches the float64 layer over train, eval and backward", async () => {
    const shape = [3, 4, 5, 6];
    const fast = await BatchNorm.create({ backend: 'cpu', numFeatures: 4, options: { momentum: 0.3 } });
    const exact = await BatchNorm.create({ backend: 'reference', numFeatures: 4, options: { momentum: 0.3 } });
    expect(fast.backend.name).toBe('cpu');
    expect(isAllocating(fast.backend)).toBe(true);
    for (const bn of [fast, exact]) bn.weight?.set([0.5, 1, 1.5, -2]);
    for (let step = 0; step < 3; step++) {
      const x = seeded(360, step + 1);
      const y = await fast.forward(x, shape);
      const yExact = await exact.forward(x, shape);
      for (let i = 0; i < y.length; i++) expect(Math.abs((y[i] as number) - (yExact[i] as number))).toBeLessThan(1e-5);
    }
    for (let c = 0; c < 4; c++) expect(fast.runningVar?.[c]).toBeCloseTo(exact.runningVar?.[c] as number, 6);
    const dy = seeded(360, 9);
    const dx = await fast.backward(dy);
    const dxExact = await exact.backward(dy);
    for (let i = 0; i < dx.length; i++) expect(Math.abs((dx[i] as number) - (dxExact[i] as number))).toBeLessThan(1e-5);
    const input = fast.eval().inputBuffer(shape);
    input.set(seeded(360, 4));
    const y = await fast.forward(input, shape);
    const yExact = await exact.eval().forward(Array.from(input), shape);
    for (let i = 0; i < y.length; i++) expect(Math.abs((y[i] as number) - (yExact[i] as number))).toBeLessThan(1e-5);
    fast.dispose();
  });
});
