import { describe, expect, it } from 'vitest';
import { describeShape, gradcheck, referenceBackward, type BackwardInput } from '@bnkit/core';
import { GRADCHECK_LAYOUTS, GRADCHECK_TOLERANCES, gradcheckProblems } from '../src/gradcheck-cases.js';

describe('gradcheck problems', () => {
  it('cycle through the layouts with shapes that fit them and at least two values per channel', () => {
    const problems = gradcheckProblems(14, 5);
    expect(problems.map((p) => p.problem.layout)).toEqual([...GRADCHECK_LAYOUTS, ...GRADCHECK_LAYOUTS]);
    for (const { problem } of problems) {
      const info = describeShape(problem.shape, problem.layout);
      expect(info.perChannel).toBeGreaterThanOrEqual(2);
      expect(problem.x).toHaveLength(info.size);
      expect(problem.dy).toHaveLength(info.size);
      if (problem.gamma) expect(problem.gamma).toHaveLength(info.c);
    }
  });

  it('accept float32 roundoff at the float32 tolerance and reject errors ten times the tolerance', async () => {
    const { problem } = gradcheckProblems(3, 2)[2] as { problem: Parameters<typeof gradcheck>[0] };
    const nudged = (scale: number) => (input: BackwardInput) => {
      const out = referenceBackward(input);
      const dx = Float64Array.from(out.dx, (v) => v * (1 + scale));
      return { ...out, dx };
    };
    expect((await gradcheck(problem, nudged(1e-6), GRADCHECK_TOLERANCES.float32)).passed).toBe(true);
    expect((await gradcheck(problem, nudged(1e-3), GRADCHECK_TOLERANCES.float32)).passed).toBe(false);
    expect((await gradcheck(problem, nudged(1e-4), GRADCHECK_TOLERANCES.float64)).passed).toBe(false);
  });
});
