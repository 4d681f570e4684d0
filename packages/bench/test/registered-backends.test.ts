import { BnBackendError, closeAllBackends, type Backend } from '@bnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openBenchBackends } from '../src/index.js';

describe('openBenchBackends', () => {
  afterAll(() => closeAllBackends());

  it('opens the named backends through the registry, ready to time', async () => {
    const { backends } = await openBenchBackends(['reference']);
    expect(backends.map((b) => b.name)).toEqual(['reference']);
    const one = new Float32Array([1]);
    const { y } = await (backends[0] as Backend).inference({ x: new Float32Array([1, 3]), shape: [2, 1], layout: 'NC', gamma: one, beta: one, runningMean: one, runningVar: one });
    expect(y[0]).toBe(1);
    expect(y[1]).toBeCloseTo(1 + 2 / Math.sqrt(1 + 1e-5), 12);
  });

  it('refuses a name the registry does not hold, naming those it does', async () => {
    await expect(openBenchBackends(['no-such-backend'])).rejects.toThrow(BnBackendError);
    await expect(openBenchBackends(['no-such-backend'])).rejects.toThrow(/reference/);
  });
});
