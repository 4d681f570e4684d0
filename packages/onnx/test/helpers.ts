import * as ort from 'onnxruntime-node';
import { createPrng, type Layout } from '@bnkit/core';

/** A small deterministic generator (mulberry32), so test data is the same on every run. */
export function seededRandom(seed: number): () => number {
  return createPrng(seed).next;
}

/** `count` float32 values uniform in [lo, hi). */
export function randomFloat32(random: () => number, count: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: count }, () => lo + (hi - lo) * random());
}

/** One small shape per layout, C = 3. */
export const SHAPES: Readonly<Record<Layout, number[]>> = {
  NC: [4, 3],
  NCL: [2, 3, 5],
  NCHW: [2, 3, 4, 5],
  NCDHW: [2, 3, 2, 3, 4],
  NLC: [2, 5, 3],
  NHWC: [2, 4, 5, 3],
  NDHWC: [2, 2, 3, 4, 3],
};

/** Runs a model in onnxruntime-node and returns every output's data. */
export async function runModel(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array | Float64Array; dims: readonly number[] }>,
): Promise<Record<string, Float32Array | Float64Array>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, { data, dims }] of Object.entries(feeds)) {
      inputs[name] = new ort.Tensor(data instanceof Float64Array ? 'float64' : 'float32', data, [...dims]);
    }
    const results = await session.run(inputs);
    const out: Record<string, Float32Array | Float64Array> = {};
    for (const [name, tensor] of Object.entries(results)) out[name] = tensor.data as Float32Array | Float64Array;
    return out;
  } finally {
    await session.release();
  }
}

/** The largest |actual - expected| / (abs + rel * |expected|); <= 1 means every element is within tolerance. */
export function toleranceRatio(actual: ArrayLike<number>, expected: ArrayLike<number>, abs: number, rel: number): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    const ratio = Math.abs((actual[i] as number) - e) / (abs + rel * Math.abs(e));
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}
