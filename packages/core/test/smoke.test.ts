import { describe, expect, it } from 'vitest';
import { gradcheck, referenceBackward, referenceTrainForward } from '../src/index.js';

describe('smoke', () => {
  it('gradcheck passes for NHWC', async () => {
    const shape = [2, 3, 2, 3];
    const n = 36;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 2 + 0.3);
    const dy = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.9));
    const gamma = Float64Array.of(1.5, -0.7, 0.2);
    const beta = Float64Array.of(0.1, 0.2, 0.3);
    const r = await gradcheck({ x, dy, shape, layout: 'NHWC', gamma, beta }, referenceBackward);
    expect(r.passed).toBe(true);
    const f = referenceTrainForward({ x, shape, layout: 'NHWC', gamma, beta, runningMean: new Float64Array(3), runningVar: Float64Array.of(1, 1, 1) });
    expect(f.runningVar?.length).toBe(3);
  });
});
