import { BnValueError, channelMoments, describeShape, describeValue, mergeMoments, unbiasedVariance, type ChannelMoments } from '@bnkit/core';
import { float16Value } from '@bnkit/onnx';

/** A captured tensor: ONNX Runtime's element type name, dims and data. */
export interface CapturedTensor {
  type: string;
  dims: readonly number[];
  data: unknown;
}

/**
 * A captured float tensor's values as float64-ready floats (float16 bit patterns decoded).
 * @throws BnValueError for a non-float tensor.
 */
export function capturedFloats(tensor: CapturedTensor, what: string): Float32Array | Float64Array {
  const data = tensor.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  if (tensor.type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, (bits) => float16Value(bits));
  throw new BnValueError(what, 'a float16, float32 or float64 tensor', `${tensor.type} tensor`);
}

/**
 * Per-channel moments of a BN input X of shape [N, C, ...] (ONNX's channels-first BN input):
 * every axis but axis 1 is reduced, in float64, two-pass (core's `channelMoments`).
 * @throws BnValueError when X has fewer than 2 dims or C differs from `channels`.
 */
export function inputMoments(x: CapturedTensor, channels: number, what: string): ChannelMoments[] {
  const [n = 0, c = 0, ...rest] = x.dims;
  if (x.dims.length < 2 || (channels > 0 && c !== channels)) {
    throw new BnValueError(what, `a tensor [N, ${channels || 'C'}, ...]`, `dims ${describeValue([...x.dims])}`);
  }
  const spatial = rest.reduce((a, b) => a * b, 1);
  return channelMoments(capturedFloats(x, what), describeShape([n, c, spatial], 'NCL'));
}

/**
 * Eval mode (AdaBN): the population mean and M2 of a BN input over every batch, merged with
 * Chan's rule in float64. `moments` is exactly what one pass over the union of the batches gives.
 */
export class PopulationStatistics {
  moments: ChannelMoments[] = [];

  /** Adds one batch's per-channel moments. */
  add(batch: readonly ChannelMoments[]): void {
    this.moments = this.moments.length === 0 ? batch.map((m) => ({ ...m })) : this.moments.map((m, i) => mergeMoments(m, batch[i] as ChannelMoments));
  }

  /** The population mean per channel. */
  mean(): Float64Array {
    return Float64Array.from(this.moments, (m) => m.mean);
  }

  /** The biased population variance M2/count per channel. */
  variance(): Float64Array {
    return Float64Array.from(this.moments, (m) => m.m2 / m.count);
  }
}

/**
 * Train mode (`torch.optim.swa_utils.update_bn`, fvcore's precise BN): the sum over batches of
 * each batch's mean and unbiased variance, in float64, and the number of batches; the new running
 * statistics are their averages (each batch weighs the same, whatever its size).
 */
export class BatchAverageStatistics {
  batches = 0;
  sumMean: Float64Array;
  sumVariance: Float64Array;

  constructor(channels: number) {
    this.sumMean = new Float64Array(channels);
    this.sumVariance = new Float64Array(channels);
  }

  /** Adds one batch: its mean, its biased variance and the count m of values per channel. */
  add(mean: ArrayLike<number>, biasedVariance: ArrayLike<number>, count: number): void {
    if (mean.length !== this.sumMean.length) {
      const grown = this.batches === 0;
      if (!grown) throw new BnValueError('batch statistics', `${this.sumMean.length} channels`, `${mean.length}`);
      this.sumMean = new Float64Array(mean.length);
      this.sumVariance = new Float64Array(mean.length);
    }
    for (let i = 0; i < mean.length; i++) {
      this.sumMean[i] = (this.sumMean[i] as number) + (mean[i] as number);
      const m2 = (biasedVariance[i] as number) * count;
      this.sumVariance[i] = (this.sumVariance[i] as number) + unbiasedVariance({ count, mean: mean[i] as number, m2 });
    }
    this.batches += 1;
  }

  /** Adds another accumulator's sums (a shard). */
  merge(other: { batches: number; sumMean: ArrayLike<number>; sumVariance: ArrayLike<number> }): void {
    if (this.batches === 0 && this.sumMean.length !== other.sumMean.length) {
      this.sumMean = new Float64Array(other.sumMean.length);
      this.sumVariance = new Float64Array(other.sumMean.length);
    }
    for (let i = 0; i < this.sumMean.length; i++) {
      this.sumMean[i] = (this.sumMean[i] as number) + (other.sumMean[i] as number);
      this.sumVariance[i] = (this.sumVariance[i] as number) + (other.sumVariance[i] as number);
    }
    this.batches += other.batches;
  }

  /** The average batch mean per channel. */
  mean(): Float64Array {
    return this.sumMean.map((s) => s / this.batches);
  }

  /** The average unbiased batch variance per channel. */
  variance(): Float64Array {
    return this.sumVariance.map((s) => s / this.batches);
  }
}
