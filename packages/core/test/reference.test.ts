import { describe, expect, it } from 'vitest';
import { LAYOUTS, referenceInference, referenceTrainForward, toChannelsFirstPermutation, type Layout } from '../src/index.js';

/** Transposes a row-major tensor of `shape` by `perm` (out dim k = in dim perm[k]). */
function transpose(data: Float64Array, shape: number[], perm: number[]): { data: Float64Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p] as number);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float64Array(data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rest = o;
    for (let k = outShape.length - 1; k >= 0; k--) {
      idx[k] = rest % (outShape[k] as number);
      rest = Math.floor(rest / (outShape[k] as number));
    }
    let i = 0;
    for (let k = 0; k < perm.length; k++) i += (idx[k] as number) * (inStrides[perm[k] as number] as number);
    out[o] = data[i] as number;
  }
  return { data: out, shape: outShape };
}

describe('reference forward, by hand', () => {
  it('one channel [1, 2, 3, 4]: mean 2.5, biased var 1.25, pytorch running stats', () => {
    const out = referenceTrainForward({
      x: Float64Array.of(1, 2, 3, 4),
      shape: [4, 1],
      layout: 'NC',
      gamma: Float64Array.of(2),
      beta: Float64Array.of(0.5),
      runningMean: Float64Array.of(0),
      runningVar: Float64Array.of(1),
      options: { eps: 0 },
    });
    expect(out.batchMean[0]).toBe(2.5);
    expect(out.batchVar[0]).toBe(1.25);
    const s = Math.sqrt(1.25);
    expect(out.invStd[0]).toBeCloseTo(1 / s, 15);
    expect(Array.from(out.y)).toEqual([-1.5, -0.5, 0.5, 1.5].map((d) => expect.closeTo((2 * d) / s + 0.5, 14)));
    // running = 0.9 * old + 0.1 * batch, the variance unbiased: 1.25 * 4/3 = 5/3.
    expect(out.runningMean?.[0]).toBeCloseTo(0.25, 15);
    expect(out.runningVar?.[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 15);
    expect(out.numBatchesTracked).toBe(1);
  });

  it('the same batch under keras and onnx keeps a biased running variance, momentum on the old value', () => {
    const args = { x: Float64Array.of(1, 2, 3, 4), shape: [4, 1], layout: 'NC' as const, gamma: Float64Array.of(1), beta: Float64Array.of(0), runningMean: Float64Array.of(0), runningVar: Float64Array.of(1) };
    const keras = referenceTrainForward({ ...args, options: { convention: 'keras' } });
    expect(keras.runningMean?.[0]).toBeCloseTo(0.01 * 2.5, 15);
    expect(keras.runningVar?.[0]).toBeCloseTo(0.99 + 0.01 * 1.25, 15);
    const onnx = referenceTrainForward({ ...args, options: { convention: 'onnx' } });
    expect(onnx.runningMean?.[0]).toBeCloseTo(0.1 * 2.5, 15);
    expect(onnx.runningVar?.[0]).toBeCloseTo(0.9 + 0.1 * 1.25, 15);
  });

  it('inference uses the running statistics: (x - mean) / sqrt(var + eps) * gamma + beta', () => {
    const { y } = referenceInference({
      x: Float64Array.of(3, 5, -1, 7),
      shape: [2, 2],
      layout: 'NC',
      gamma: Float64Array.of(1, 2),
      beta: Float64Array.of(0, 1),
      runningMean: Float64Array.of(1, 3),
      runningVar: Float64Array.of(4, 16),
      options: { eps: 0 },
    });
    expect(Array.from(y)).toEqual([1, 2, -1, 3]);
  });

  it('affine: false ignores gamma and beta; untracked stats normalise inference with the batch', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    const train = referenceTrainForward({ x, shape: [4, 1], layout: 'NC', options: { affine: false, trackRunningStats: false, eps: 0 } });
    const infer = referenceInference({ x, shape: [4, 1], layout: 'NC', options: { affine: false, trackRunningStats: false, eps: 0 } });
    expect(Array.from(infer.y)).toEqual(Array.from(train.y));
    expect(train.y[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 15);
  });

  it('a constant channel has zero variance and y = beta', () => {
    const out = referenceTrainForward({
      x: Float32Array.of(7, 7, 7, 7),
      shape: [2, 1, 2],
      layout: 'NCL',
      gamma: Float32Array.of(3),
      beta: Float32Array.of(-2),
      runningMean: Float32Array.of(0),
      runningVar: Float32Array.of(1),
    });
    expect(out.batchVar[0]).toBe(0);
    expect(Array.from(out.y)).toEqual([-2, -2, -2, -2]);
    expect(out.invStd[0]).toBeCloseTo(1 / Math.sqrt(1e-5), 9);
  });
});

describe('layouts', () => {
  const channelsLast: Layout[] = LAYOUTS.filter((l) => l.endsWith('C') && l !== 'NC');
  it.each(channelsLast)('%s gives the transposed result of its channels-first twin', (layout) => {
    const firstShape = layout === 'NLC' ? [2, 3, 5] : layout === 'NHWC' ? [2, 3, 2, 5] : [2, 3, 2, 1, 3];
    const perm = toChannelsFirstPermutation(layout);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const size = firstShape.reduce((a, b) => a * b, 1);
    const xFirst = Float64Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 3));
    const last = transpose(xFirst, firstShape, inverse);
    const params = { gamma: Float64Array.of(1, -2, 0.5), beta: Float64Array.of(0, 1, 2), runningMean: Float64Array.of(0.1, 0.2, 0.3), runningVar: Float64Array.of(1, 2, 3) };
    const firstLayout = layout === 'NLC' ? 'NCL' : layout === 'NHWC' ? 'NCHW' : 'NCDHW';
    const a = referenceTrainForward({ x: xFirst, shape: firstShape, layout: firstLayout, ...params });
    const b = referenceTrainForward({ x: last.data, shape: last.shape, layout, ...params });
    expect(Array.from(b.batchMean)).toEqual(Array.from(a.batchMean).map((v) => expect.closeTo(v, 13)));
    expect(Array.from(b.runningVar ?? [])).toEqual(Array.from(a.runningVar ?? []).map((v) => expect.closeTo(v, 13)));
    const back = transpose(b.y, last.shape, perm);
    expect(Array.from(back.data)).toEqual(Array.from(a.y).map((v) => expect.closeTo(v, 12)));
  });
});

describe('NaN in x', () => {
  it('poisons only its own channel: y, batch statistics and running statistics of that channel become NaN', () => {
    const x = Float32Array.of(1, 2, Number.NaN, 4, 5, 6, 7, 8);
    const out = referenceTrainForward({
      x,
      shape: [2, 2, 2],
      layout: 'NCL',
      gamma: Float32Array.of(1, 1),
      beta: Float32Array.of(0, 0),
      runningMean: Float32Array.of(0, 0),
      runningVar: Float32Array.of(1, 1),
    });
    // Channel 0 holds x[0], x[1], x[4], x[5]; channel 1 holds x[2] (NaN), x[3], x[6], x[7].
    expect(Number.isNaN(out.batchMean[1])).toBe(true);
    expect(Number.isNaN(out.runningVar?.[1])).toBe(true);
    expect([out.y[2], out.y[3], out.y[6], out.y[7]].every(Number.isNaN)).toBe(true);
    expect(out.batchMean[0]).toBe(3.5);
    expect([out.y[0], out.y[1], out.y[4], out.y[5]].some(Number.isNaN)).toBe(false);
    expect(Number.isFinite(out.runningMean?.[0])).toBe(true);
  });

  it('in inference poisons only the NaN elements themselves', () => {
    const { y } = referenceInference({
      x: Float32Array.of(1, Number.NaN, 3, 4),
      shape: [2, 2],
      layout: 'NC',
      gamma: Float32Array.of(1, 1),
      beta: Float32Array.of(0, 0),
      runningMean: Float32Array.of(0, 0),
      runningVar: Float32Array.of(1, 1),
    });
    expect(Number.isNaN(y[1])).toBe(true);
    expect([y[0], y[2], y[3]].every(Number.isFinite)).toBe(true);
  });
});
