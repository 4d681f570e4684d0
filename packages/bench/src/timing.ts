/** How long and how often to sample. */
export interface TimingOptions {
  /** Each sample repeats the call until at least this much time passed (ms). */
  readonly minTimeMs: number;
  /** Samples taken; min, median and max are reported. */
  readonly repeats: number;
  /** Calls slower than this (ms) in warm-up get at most 3 samples, so slow backends finish. */
  readonly slowCallMs: number;
  /**
   * Calls are repeated for at least this long (ms) before the first sample, so that what is
   * sampled is the steady state: JavaScript and WebAssembly compilers, worker threads and
   * allocators settle within the first few hundred milliseconds of a new call. Skipped for a slow call.
   */
  readonly warmUpMs: number;
}

/** The warm-up the bench gives a row when none is asked for, in sample windows (`minTimeMs`). */
export const WARM_UP_WINDOWS = 3;

/**
 * The default sampling: 300 ms of warm-up (three windows), then 7 samples of at least 100 ms
 * each, at most 3 for calls of 250 ms or more.
 */
export const DEFAULT_TIMING: TimingOptions = Object.freeze({ minTimeMs: 100, repeats: 7, slowCallMs: 250, warmUpMs: WARM_UP_WINDOWS * 100 });

/**
 * A sample window shorter than this (ms) is not trusted: one preemption by another process or
 * one garbage-collection pause lasts a few milliseconds and would shift the sample by tens of
 * percent.
 */
export const TRUSTED_WINDOW_MS = 20;

/**
 * What timing one call gave, in milliseconds per call. Each sample is the mean over the calls
 * that fit in one window; `minMs`, `medianMs` and `maxMs` are taken over the samples.
 */
export interface Timing {
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  /** Per-call time of every sample, in the order taken. */
  readonly samples: readonly number[];
  /** Fewest calls any sample averaged. */
  readonly callsPerSample: number;
  /** Shortest sample window (ms): at least `minTimeMs`, or one call when a call is slower. */
  readonly windowMs: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Min, median and max of per-call sample times, with the sampling facts that judge them. */
export function summarizeSamples(samples: readonly number[], callsPerSample: number, windowMs: number): Timing {
  return { minMs: Math.min(...samples), medianMs: median(samples), maxMs: Math.max(...samples), samples, callsPerSample, windowMs };
}

/**
 * Times `call`: one warm-up call; unless it was slow, more calls until `warmUpMs` has passed
 * (at least one more); then `repeats` samples (at most 3 for a slow call), each the mean time of
 * as many calls as fit in `minTimeMs` (at least one).
 */
export async function timeCall(call: () => Promise<unknown> | unknown, options: TimingOptions): Promise<Timing> {
  let start = performance.now();
  await call();
  const first = performance.now() - start;
  if (first < options.slowCallMs) {
    do await call();
    while (performance.now() - start < options.warmUpMs);
  }
  const repeats = first >= options.slowCallMs ? Math.min(options.repeats, 3) : options.repeats;
  const samples: number[] = [];
  let fewestCalls = Number.POSITIVE_INFINITY;
  let shortestWindow = Number.POSITIVE_INFINITY;
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
    fewestCalls = Math.min(fewestCalls, calls);
    shortestWindow = Math.min(shortestWindow, elapsed);
  }
  return summarizeSamples(samples, fewestCalls, shortestWindow);
}
