import { describe, expect, it } from 'vitest';
import { prepareBackward, prepareTrainForward, referenceBackward, referenceInference, referenceTrainForward } from '../src/index.js';

// NC, two samples, two channels: channel 0 = [1, 3], channel 1 = [2, 6] (means 2 and 4, biased
// variances 1 and 4). Worked by hand: y = (x - mean) / sqrt(var + eps) with gamma 1 and beta 0.
const X = [1, 2, 3, 6];
const SHAPE = [2, 2];
const EPS = 1e-5;

describe('number[] inputs', () => {
  it('normalise like float arrays, with gamma 1 and beta 0 when both are left out', () => {
    const out = referenceTrainForward({ x: X, shape: SHAPE, layout: 'NC', options: { trackRunningStats: false } });
    expect(Array.from(out.y)).toEqual([-1 / Math.sqrt(1 + EPS), -2 / Math.sqrt(4 + EPS), 1 / Math.sqrt(1 + EPS), 2 / Math.sqrt(4 + EPS)].map((v, i) => expect.closeTo(v, 12) as unknown as number));
  });

  it('become a Float32Array for x (as tf.tensor and torch.tensor make of a list), and x element type for the others', () => {
    const fromList = prepareTrainForward({ x: [0.1, 0.2, 0.3, 0.4], shape: SHAPE, layout: 'NC', gamma: [0.1, 0.2], runningMean: [0, 0], runningVar: [1, 1] });
    expect(fromList.input.x).toBeInstanceOf(Float32Array);
    expect(fromList.input.x[0]).toBe(Math.fround(0.1));
    expect(fromList.input.gamma).toBeInstanceOf(Float32Array);
    const float64 = prepareTrainForward({ x: Float64Array.of(0.1, 0.2, 0.3, 0.4), shape: SHAPE, layout: 'NC', gamma: [0.1, 0.2], beta: [0.5, 0.25], runningMean: [0, 0], runningVar: [1, 1] });
    expect(float64.input.gamma).toBeInstanceOf(Float64Array);
    expect(float64.input.gamma?.[0]).toBe(0.1);
    expect(float64.input.runningVar).toBeInstanceOf(Float64Array);
  });

  it("are converted into a copy of the request: the caller's object keeps its arrays", () => {
    const request = { x: X, shape: SHAPE, layout: 'NC' as const, runningMean: [0, 0], runningVar: [1, 1] };
    prepareTrainForward(request);
    expect(request.x).toBe(X);
    expect(request).not.toHaveProperty('gamma');
  });

  it('update running statistics given as lists by the convention rule', () => {
    const out = referenceTrainForward({ x: X, shape: SHAPE, layout: 'NC', runningMean: [0, 0], runningVar: [1, 1] });
    // PyTorch: momentum 0.1, unbiased batch variance (m = 2: 2 and 8).
    expect(Array.from(out.runningMean ?? [])).toEqual([0.2, 0.4].map((v) => expect.closeTo(v, 12) as unknown as number));
    expect(Array.from(out.runningVar ?? [])).toEqual([0.9 + 0.1 * 2, 0.9 + 0.1 * 8].map((v) => expect.closeTo(v, 12) as unknown as number));
  });

  it('drive backward: dy and the saved statistics as lists', () => {
    // One channel, m = 2, x = [1, 3]: xhat = [-1, 1] / sqrt(1 + eps); dy = [1, 0].
    // dbeta = 1, dgamma = xhat[0], dx = (1/(2 sigma)) (2 dy - 1 - xhat * xhat[0]).
    const sigma = Math.sqrt(1 + EPS);
    const out = referenceBackward({ x: [1, 3], shape: [2, 1], layout: 'NC', dy: [1, 0], savedMean: [2], savedInvStd: [1 / sigma] });
    const xhat = [-1 / sigma, 1 / sigma];
    expect(out.dbeta?.[0]).toBeCloseTo(1, 6);
    expect(out.dgamma?.[0]).toBeCloseTo(xhat[0] as number, 6);
    expect(out.dx[0]).toBeCloseTo((2 - 1 - (xhat[0] as number) ** 2) / (2 * sigma), 6);
    expect(out.dx[1]).toBeCloseTo((0 - 1 - (xhat[1] as number) * (xhat[0] as number)) / (2 * sigma), 6);
  });
});

describe('gamma and beta left out with affine on', () => {
  it('are ones and zeros of x element type, each filled in on its own', () => {
    const x = Float64Array.of(1, 2, 3, 6);
    const prepared = prepareTrainForward({ x, shape: SHAPE, layout: 'NC', beta: [0.5, -0.5], options: { trackRunningStats: false } });
    expect(prepared.input.gamma).toEqual(Float64Array.of(1, 1));
    expect(prepared.input.beta).toEqual(Float64Array.of(0.5, -0.5));
    expect(prepareBackward({ x, shape: SHAPE, layout: 'NC', dy: x, savedMean: [2, 4], savedInvStd: [1, 0.5] }).input.gamma).toEqual(Float64Array.of(1, 1));
  });

  it('give the same inference as explicit ones and zeros, and beta alone shifts y', () => {
    const stats = { runningMean: [2, 4], runningVar: [1, 4] };
    const left = referenceInference({ x: X, shape: SHAPE, layout: 'NC', ...stats });
    const shifted = referenceInference({ x: X, shape: SHAPE, layout: 'NC', ...stats, beta: [10, 20] });
    expect(left.y[0]).toBeCloseTo(-1 / Math.sqrt(1 + EPS), 12);
    expect(shifted.y[0]).toBeCloseTo(10 - 1 / Math.sqrt(1 + EPS), 12);
    expect(shifted.y[3]).toBeCloseTo(20 + 2 / Math.sqrt(4 + EPS), 12);
  });

  it('are absent from the checked request when affine is off, even when given', () => {
    const prepared = prepareTrainForward({ x: X, shape: SHAPE, layout: 'NC', gamma: [2, 2], options: { affine: false, trackRunningStats: false } });
    expect(prepared.input.gamma).toBeUndefined();
    expect(prepared.input.beta).toBeUndefined();
  });
});
