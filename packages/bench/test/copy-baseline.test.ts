import { describe, expect, it } from 'vitest';
import { measureCopy } from '../src/index.js';

describe('measureCopy', () => {
  it('returns a positive time and a GB/s consistent with it', async () => {
    const copy = await measureCopy(8 * 1024, { minTimeMs: 1, repeats: 3, slowCallMs: 250 });
    expect(copy.medianMs).toBeGreaterThan(0);
    expect(copy.gbPerSec).toBeCloseTo((8 * 1024) / (copy.medianMs * 1e6), 6);
  });
});
