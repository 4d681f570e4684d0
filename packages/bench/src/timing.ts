/** How long and how often to sample. */
export interface TimingOptions {
  /** Each sample repeats the call until at least this much time passed (ms). */
  readonly minTimeMs: number;
  /** Samples taken; the median is reported. */
  readonly repeats: number;
  /** Calls slower than this (ms) in warm-up get at most 3 samples, so slow baselines finish. */
  readonly slowCallMs: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Times `call`: two warm-up calls, then `repeats` samples, each the mean time of as many calls
 * as fit in `minTimeMs` (at least one). Returns the median per-call time in milliseconds.
 */
export async function timeCall(call: () => Promise<unknown> | unknown, options: TimingOptions): Promise<number> {
  let start = performance.now();
  await call();
  const first = performance.now() - start;
  if (first < options.slowCallMs) await call();
  const repeats = first >= options.slowCallMs ? Math.min(options.repeats, 3) : options.repeats;
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    start = performance.now();
    let elapsed = 0;
    do {
      await call();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < options.minTimeMs);
    samples.push(elapsed / calls);
  }
  return median(samples);
}
