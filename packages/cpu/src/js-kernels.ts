import { mergeMoments } from '@bnkit/core';
import type { Geometry } from './geometry.js';
import type { Kernels, MomentsAccumulator } from './kernels.js';

/**
 * Splits [start, end) of a channels-first tensor (`geo.inner > 1`) into runs of one channel's
 * contiguous values and calls `visit(from, to, channel)` for each, in memory order.
 */
function forEachChannelRun(start: number, end: number, geo: Geometry, visit: (from: number, to: number, channel: number) => void): void {
  const { c, inner } = geo;
  let i = start;
  while (i < end) {
    const run = Math.floor(i / inner);
    const runEnd = Math.min(end, (run + 1) * inner);
    visit(i, runEnd, run % c);
    i = runEnd;
  }
}

/** Merges the moments (n, mu, q) of some values of channel ch into `acc` with core's Chan update. */
function mergeInto(acc: MomentsAccumulator, ch: number, count: number, mean: number, m2: number): void {
  const merged = mergeMoments({ count: acc.count[ch] as number, mean: acc.mean[ch] as number, m2: acc.m2[ch] as number }, { count, mean, m2 });
  acc.count[ch] = merged.count;
  acc.mean[ch] = merged.mean;
  acc.m2[ch] = merged.m2;
}

/**
 * The plain-JavaScript kernels: the fallback where WebAssembly SIMD is unavailable or turned
 * off, and the path for float64 tensors. Arithmetic is float64 throughout (JavaScript numbers).
 * They run on the calling thread only.
 */
export function createJsKernels(): Kernels {
  // Rows of channels-last data folded into the moments at a time: two passes over a block that
  // stays in cache, then one Chan merge per channel.
  const BLOCK_ELEMENTS = 16384;
  let blockSum = new Float64Array(0);
  let blockM2 = new Float64Array(0);
  let blockDev = new Float64Array(0);

  function scratch(c: number): void {
    if (blockSum.length < c) {
      blockSum = new Float64Array(c);
      blockM2 = new Float64Array(c);
      blockDev = new Float64Array(c);
    }
  }

  return {
    moments({ x, start, end, geo, acc }) {
      const { c, inner } = geo;
      if (inner > 1) {
        forEachChannelRun(start, end, geo, (from, to, ch) => {
          const n = to - from;
          let sum = 0;
          for (let k = from; k < to; k++) sum += x[k] as number;
          const mu = sum / n;
          let q = 0;
          let dev = 0;
          for (let k = from; k < to; k++) {
            const d = (x[k] as number) - mu;
            q += d * d;
            dev += d;
          }
          // The residual sum of deviations corrects the rounding left in the run's mean.
          mergeInto(acc, ch, n, mu, Math.max(q - (dev * dev) / n, 0));
        });
        return;
      }
      let i = start;
      // A partial first row: each value is a run of one.
      while (i < end && i % c !== 0) {
        mergeInto(acc, i % c, 1, x[i] as number, 0);
        i++;
      }
      scratch(c);
      const rowsPerBlock = Math.max(1, Math.floor(BLOCK_ELEMENTS / c));
      while (end - i >= c) {
        const rows = Math.min(rowsPerBlock, Math.floor((end - i) / c));
        const blockEnd = i + rows * c;
        blockSum.fill(0, 0, c);
        for (let r = i; r < blockEnd; r += c) {
          for (let ch = 0; ch < c; ch++) blockSum[ch] = (blockSum[ch] as number) + (x[r + ch] as number);
        }
        for (let ch = 0; ch < c; ch++) blockSum[ch] = (blockSum[ch] as number) / rows;
        blockM2.fill(0, 0, c);
        blockDev.fill(0, 0, c);
        for (let r = i; r < blockEnd; r += c) {
          for (let ch = 0; ch < c; ch++) {
            const d = (x[r + ch] as number) - (blockSum[ch] as number);
            blockM2[ch] = (blockM2[ch] as number) + d * d;
            blockDev[ch] = (blockDev[ch] as number) + d;
          }
        }
        for (let ch = 0; ch < c; ch++) {
          const dev = blockDev[ch] as number;
          mergeInto(acc, ch, rows, blockSum[ch] as number, Math.max((blockM2[ch] as number) - (dev * dev) / rows, 0));
        }
        i = blockEnd;
      }
      for (; i < end; i++) mergeInto(acc, i % c, 1, x[i] as number, 0);
    },

    affine({ x, y, start, end, geo, mean, scale, shift }) {
      const { c, inner } = geo;
      if (inner > 1) {
        forEachChannelRun(start, end, geo, (from, to, ch) => {
          const mu = mean[ch] as number;
          const a = scale[ch] as number;
          const b = shift[ch] as number;
          for (let k = from; k < to; k++) y[k] = ((x[k] as number) - mu) * a + b;
        });
        return;
      }
      let ch = start % c;
      for (let k = start; k < end; k++) {
        y[k] = ((x[k] as number) - (mean[ch] as number)) * (scale[ch] as number) + (shift[ch] as number);
        if (++ch === c) ch = 0;
      }
    },

    gradSums({ x, dy, start, end, geo, mean, sums }) {
      const { c, inner } = geo;
      const { sumDy, sumDyCentered } = sums;
      if (inner > 1) {
        forEachChannelRun(start, end, geo, (from, to, ch) => {
          const mu = mean[ch] as number;
          let s = 0;
          let sc = 0;
          for (let k = from; k < to; k++) {
            const g = dy[k] as number;
            s += g;
            sc += g * ((x[k] as number) - mu);
          }
          sumDy[ch] = (sumDy[ch] as number) + s;
          sumDyCentered[ch] = (sumDyCentered[ch] as number) + sc;
        });
        return;
      }
      let ch = start % c;
      for (let k = start; k < end; k++) {
        const g = dy[k] as number;
        sumDy[ch] = (sumDy[ch] as number) + g;
        sumDyCentered[ch] = (sumDyCentered[ch] as number) + g * ((x[k] as number) - (mean[ch] as number));
        if (++ch === c) ch = 0;
      }
    },

    gradInput({ x, dy, dx, start, end, geo, mean, kDy, kCentered, kConst }) {
      const { c, inner } = geo;
      if (inner > 1) {
        forEachChannelRun(start, end, geo, (from, to, ch) => {
          const mu = mean[ch] as number;
          const a = kDy[ch] as number;
          const b = kCentered[ch] as number;
          const k0 = kConst[ch] as number;
          for (let k = from; k < to; k++) dx[k] = a * (dy[k] as number) + b * ((x[k] as number) - mu) + k0;
        });
        return;
      }
      let ch = start % c;
      for (let k = start; k < end; k++) {
        dx[k] =
          (kDy[ch] as number) * (dy[k] as number) +
          (kCentered[ch] as number) * ((x[k] as number) - (mean[ch] as number)) +
          (kConst[ch] as number);
        if (++ch === c) ch = 0;
      }
    },
  };
}
