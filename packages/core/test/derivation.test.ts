import { describe, expect, it } from 'vitest';
import {
  LAYOUTS,
  describeShape,
  forEachInChannel,
  gradcheck,
  referenceBackward,
  type BackwardInput,
  type BackwardOutput,
  type Layout,
} from '../src/index.js';

/** Which step of the chain rule to get wrong, as a widely read derivation does. */
type Slip = 'none' | 'dxhat-dx-over-m' | 'dmu-over-mu' | 'y-uses-x';

/**
 * Backward through the chain rule step by step (docs/derivation.md, steps 1-6), with an optional
 * slip. Written independently of the closed form in src/backward.ts, so the two check each other.
 */
function stepwiseBackward(slip: Slip) {
  return (input: BackwardInput): BackwardOutput => {
    const info = describeShape(input.shape, input.layout);
    const m = info.perChannel;
    const dx = new Float64Array(info.size);
    const dgamma = new Float64Array(info.c);
    const dbeta = new Float64Array(info.c);
    for (let ch = 0; ch < info.c; ch++) {
      const mu = input.savedMean[ch] as number;
      const sigma = 1 / (input.savedInvStd[ch] as number);
      const gamma = (input.gamma as ArrayLike<number>)[ch] as number;
      const idx: number[] = [];
      forEachInChannel(info, ch, (i) => idx.push(i));
      const x = idx.map((i) => input.x[i] as number);
      const dy = idx.map((i) => input.dy[i] as number);
      const xhat = x.map((v) => (v - mu) / sigma);
      // Step 1: y = gamma * xhat + beta.
      dbeta[ch] = dy.reduce((a, b) => a + b, 0);
      dgamma[ch] = slip === 'y-uses-x' ? dy.reduce((a, g, k) => a + g * (x[k] as number), 0) : dy.reduce((a, g, k) => a + g * (xhat[k] as number), 0);
      const dxhat = dy.map((g) => g * gamma);
      // Step 2: var = mean((x - mu)^2), sigma = sqrt(var + eps): d sigma^-1 / d var = -1/2 sigma^-3.
      const dvar = dxhat.reduce((a, g, k) => a + g * ((x[k] as number) - mu), 0) * -0.5 * sigma ** -3;
      // Step 3: dL/dmu = sum(dxhat * -1/sigma) + dvar * mean(-2 (x - mu)); the second term is 0 at the batch mean.
      const dmuDirect = slip === 'dmu-over-mu' ? dy.reduce((a, g) => a + g * (-gamma / mu), 0) : dxhat.reduce((a, g) => a - g / sigma, 0);
      const dmu = dmuDirect + (dvar * x.reduce((a, v) => a - 2 * (v - mu), 0)) / m;
      // Step 4: dL/dx = dxhat * dxhat/dx + dvar * 2 (x - mu) / m + dmu / m, with dxhat/dx = 1/sigma.
      const dxhatDx = slip === 'dxhat-dx-over-m' ? 1 / m : 1 / sigma;
      idx.forEach((i, k) => {
        dx[i] = (dxhat[k] as number) * dxhatDx + (dvar * 2 * ((x[k] as number) - mu)) / m + dmu / m;
      });
    }
    return { dx, dgamma, dbeta };
  };
}

function problem(layout: Layout, seed: number) {
  const shape = { NC: [5, 3], NCL: [2, 3, 3], NCHW: [2, 3, 2, 2], NCDHW: [1, 3, 2, 2, 2], NLC: [2, 3, 3], NHWC: [2, 2, 2, 3], NDHWC: [1, 2, 2, 2, 3] }[layout];
  const size = shape.reduce((a, b) => a * b, 1);
  const wave = (k: number, f: number) => Math.sin((k + seed) * f) * 1.3 + Math.cos(k * 0.7 * f);
  return {
    x: Float64Array.from({ length: size }, (_, k) => wave(k, 1.9) + 0.5),
    dy: Float64Array.from({ length: size }, (_, k) => wave(k, 0.77)),
    shape,
    layout,
    gamma: Float64Array.of(1.5, -0.8, 0.3),
    beta: Float64Array.of(0.1, -0.2, 0.4),
    options: { eps: 1e-3 },
  };
}

describe('the closed-form backward against finite differences', () => {
  it.each([...LAYOUTS])('passes gradcheck in %s', async (layout) => {
    const result = await gradcheck(problem(layout, 3), referenceBackward);
    expect(result.maxErrorRatio).toBeLessThanOrEqual(1);
    expect(result.passed).toBe(true);
  });

  it('passes gradcheck with affine off (no dgamma, dbeta)', async () => {
    const p = problem('NCHW', 5);
    const result = await gradcheck({ ...p, gamma: undefined, beta: undefined, options: { eps: 1e-3, affine: false } }, referenceBackward);
    expect(result.passed).toBe(true);
    expect(result.analytic.dgamma).toBeUndefined();
  });

  it('passes gradcheck at eps 0.1 and on a tiny batch (m = 2)', async () => {
    expect((await gradcheck({ ...problem('NCL', 1), options: { eps: 0.1 } }, referenceBackward)).passed).toBe(true);
    const tiny = { x: Float64Array.of(0.3, -1.2, 2, 0.7), dy: Float64Array.of(1, -0.5, 0.25, 2), shape: [2, 2], layout: 'NC' as const, gamma: Float64Array.of(1.1, 0.9), beta: Float64Array.of(0, 0) };
    expect((await gradcheck(tiny, referenceBackward)).passed).toBe(true);
  });
});

describe('docs/derivation.md, step by step', () => {
  it('the correct chain rule passes gradcheck and equals the closed form', async () => {
    const p = problem('NCHW', 2);
    const result = await gradcheck(p, stepwiseBackward('none'));
    expect(result.passed).toBe(true);
    const closed = await gradcheck(p, referenceBackward);
    const a = result.analytic.dx;
    const b = closed.analytic.dx;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 12);
  });

  it.each(['dxhat-dx-over-m', 'dmu-over-mu', 'y-uses-x'] as const)('the slip %s fails gradcheck', async (slip) => {
    const result = await gradcheck(problem('NCHW', 2), stepwiseBackward(slip));
    expect(result.passed).toBe(false);
    expect(result.maxErrorRatio).toBeGreaterThan(100);
  });
});
