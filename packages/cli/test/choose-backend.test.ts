import { afterAll, describe, expect, it } from 'vitest';
import { closeAllBackends } from '@bnkit/core';
import { chooseBackend } from '../src/index.js';

afterAll(() => closeAllBackends());

describe('chooseBackend (library)', () => {
  it('returns every candidate fastest first and recommends a shippable backend, never the yardstick', async () => {
    const result = await chooseBackend({ shape: [2, 3], layout: 'NC', need: ['inference', 'trainForward'], backends: ['reference', 'cpu'], timing: { minTimeMs: 1, repeats: 1 } });
    expect(result.candidates.map((c) => [c.slot.name, c.yardstick, c.disqualified])).toEqual([
      ['cpu', false, []],
      ['reference', true, []],
    ]);
    expect(result.recommended?.slot.name).toBe('cpu');
    expect([...(result.recommended?.medianMs.keys() ?? [])]).toEqual(['inference', 'trainForward']);
    expect(result.measurement.rows.map((row) => row.backend)).not.toContain('reference');
  });
});
