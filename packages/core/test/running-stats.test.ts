import { describe, expect, it } from 'vitest';
import { BnValueError, convertMomentum, convertRunningVar, referenceTrainForward, type ConventionName } from '../src/index.js';

const batches = [
  Float64Array.of(1, 2, 3, 4, 10, 12),
  Float64Array.of(-1, 0, 2, 2, 9, 7),
  Float64Array.of(5, 5, 6, 1, 11, 10),
];
const shape = [3, 2];

function run(convention: ConventionName, momentum: number | null, runningVar0: number) {
  let state: { runningMean: Float64Array; runningVar: Float64Array; numBatchesTracked: number } = {
    runningMean: Float64Array.of(0, 0),
    runningVar: Float64Array.of(runningVar0, runningVar0),
    numBatchesTracked: 0,
  };
  const means: Float64Array[] = [];
  const vars: Float64Array[] = [];
  for (const x of batches) {
    const out = referenceTrainForward({ x, shape, layout: 'NC', ...state, options: { convention, momentum, affine: false } });
    means.push(out.batchMean);
    vars.push(out.batchVar);
    state = { runningMean: out.runningMean as Float64Array, runningVar: out.runningVar as Float64Array, numBatchesTracked: out.numBatchesTracked as number };
  }
  return { ...state, means, vars };
}

describe('running statistics over several steps', () => {
  it('pytorch momentum null is the cumulative average of the batch statistics (variance unbiased)', () => {
    const r = run('pytorch', null, 1);
    expect(r.numBatchesTracked).toBe(3);
    for (let ch = 0; ch < 2; ch++) {
      const meanOfMeans = r.means.reduce((a, m) => a + (m[ch] as number), 0) / 3;
      const meanOfUnbiased = r.vars.reduce((a, v) => a + ((v[ch] as number) * 3) / 2, 0) / 3;
      expect(r.runningMean[ch]).toBeCloseTo(meanOfMeans, 13);
      expect(r.runningVar[ch]).toBeCloseTo(meanOfUnbiased, 13);
    }
  });

  it('pytorch momentum 0.1 equals onnx momentum 0.9 on the mean, and on the variance after the n/(n-1) conversion', () => {
    const n = 3;
    const torch = run('pytorch', 0.1, 1);
    const onnx = run('onnx', convertMomentum(0.1, 'pytorch', 'onnx'), (1 * (n - 1)) / n);
    for (let ch = 0; ch < 2; ch++) expect(onnx.runningMean[ch]).toBeCloseTo(torch.runningMean[ch] as number, 14);
    const converted = convertRunningVar(torch.runningVar, n, 'pytorch', 'onnx');
    for (let ch = 0; ch < 2; ch++) expect(converted[ch]).toBeCloseTo(onnx.runningVar[ch] as number, 14);
    const back = convertRunningVar(onnx.runningVar, n, 'onnx', 'pytorch');
    for (let ch = 0; ch < 2; ch++) expect(back[ch]).toBeCloseTo(torch.runningVar[ch] as number, 14);
  });

  it('keras momentum 0.99 is pytorch momentum 0.01 on the running mean', () => {
    const keras = run('keras', 0.99, 1);
    const torch = run('pytorch', convertMomentum(0.99, 'keras', 'pytorch'), 1);
    for (let ch = 0; ch < 2; ch++) expect(keras.runningMean[ch]).toBeCloseTo(torch.runningMean[ch] as number, 14);
  });

  it('momentum conversions reject what has no counterpart', () => {
    expect(() => convertMomentum(null, 'pytorch', 'keras')).toThrow(BnValueError);
    expect(() => convertMomentum(1.5, 'pytorch', 'keras')).toThrow(BnValueError);
    expect(convertMomentum(0.9, 'onnx', 'keras')).toBe(0.9);
    expect(() => convertRunningVar(Float64Array.of(1), 1, 'pytorch', 'onnx')).toThrow(BnValueError);
    expect(Array.from(convertRunningVar(Float64Array.of(2), 1, 'keras', 'onnx'))).toEqual([2]);
  });
});
