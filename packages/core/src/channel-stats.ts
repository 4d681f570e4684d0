import { BnShapeError } from './errors.js';
import { forEachInChannel, type ShapeInfo } from './layout.js';
import type { FloatArray } from './tensors.js';

/**
 * The sufficient statistics of one channel's values: their count, mean and M2 (the sum of
 * squared deviations from the mean). The biased variance is M2/count, the unbiased M2/(count-1).
 */
export interface ChannelMoments {
  count: number;
  mean: number;
  m2: number;
}

/**
 * Per-channel moments of `x` in float64, in two passes (mean, then squared deviations from it),
 * so that an offset of 1e4 over a spread of 0.1 keeps its variance. A NaN in a channel makes that
 * channel's mean and M2 NaN and leaves the others alone.
 */
export function channelMoments(x: FloatArray, info: ShapeInfo): ChannelMoments[] {
  const moments: ChannelMoments[] = [];
  for (let ch = 0; ch < info.c; ch++) {
    let sum = 0;
    forEachInChannel(info, ch, (i) => {
      sum += x[i] as number;
    });
    const mean = sum / info.perChannel;
    let m2 = 0;
    let compensation = 0;
    forEachInChannel(info, ch, (i) => {
      const d = (x[i] as number) - mean;
      m2 += d * d;
      compensation += d;
    });
    // The second pass's residual sum corrects the rounding left in the mean (the corrected two-pass algorithm).
    m2 -= (compensation * compensation) / info.perChannel;
    moments.push({ count: info.perChannel, mean, m2: Math.max(m2, 0) });
  }
  return moments;
}

/**
 * Merges the moments of two disjoint sets of values into those of their union (Chan, Golub and
 * LeVeque's pairwise update), exactly as if they had been computed over the union.
 */
export function mergeMoments(a: ChannelMoments, b: ChannelMoments): ChannelMoments {
  if (a.count === 0) return { ...b };
  if (b.count === 0) return { ...a };
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  const mean = a.mean + (delta * b.count) / count;
  const m2 = a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
  return { count, mean, m2 };
}

/**
 * Merges per-channel moments of several shards (e.g. a batch split across workers) channel by
 * channel. Every shard must list the same number of channels.
 */
export function mergeShardMoments(shards: readonly (readonly ChannelMoments[])[]): ChannelMoments[] {
  const first = shards[0];
  if (!first) return [];
  return first.map((_, ch) =>
    shards.reduce<ChannelMoments>((acc, shard) => {
      const m = shard[ch];
      if (!m) throw new BnShapeError('shards', `${first.length} channels in every shard`, `a shard with ${shard.length}`);
      return mergeMoments(acc, m);
    }, { count: 0, mean: 0, m2: 0 }),
  );
}

/** The biased variance M2/count of a channel (0 for a single value). */
export function biasedVariance(m: ChannelMoments): number {
  return m.count > 0 ? m.m2 / m.count : Number.NaN;
}

/**
 * The unbiased variance M2/(count-1). A single value (allowed only with
 * `allowSingleValuePerChannel`) has no unbiased variance; bnkit then uses the biased one, 0,
 * rather than PyTorch's division by zero.
 */
export function unbiasedVariance(m: ChannelMoments): number {
  return m.count > 1 ? m.m2 / (m.count - 1) : biasedVariance(m);
}
