import { timeCall, type Timing, type TimingOptions } from './timing.js';

/**
 * The names of the two memory-copy baselines, defined here once. `copy-1t` is one thread
 * copying with `Float32Array.prototype.set`: the limit for plain arrays, which no worker can
 * share. `copy-2t` is two threads copying halves of a SharedArrayBuffer: the limit for the
 * shared-memory path of a backend that splits tensors across threads.
 */
export const COPY_BASELINE = Object.freeze({ oneThread: 'copy-1t', twoThreads: 'copy-2t' } as const);

/** A copy baseline's name. */
export type CopyBaselineName = (typeof COPY_BASELINE)[keyof typeof COPY_BASELINE];

/** Both copy baselines, one thread first. */
export const COPY_BASELINES: readonly CopyBaselineName[] = [COPY_BASELINE.oneThread, COPY_BASELINE.twoThreads];

/** Float32 elements a copy of `bytes` moved (read plus written) copies: bytes / 8, at least 1. */
export function copyElements(bytes: number): number {
  return Math.max(1, Math.round(bytes / 8));
}

/**
 * Times the one-thread copy baseline for `bytes` moved: `Float32Array.prototype.set` from one
 * array of bytes/8 elements into another, so bytes/2 are read and bytes/2 written.
 */
export async function measureCopy(bytes: number, timing: TimingOptions): Promise<Timing> {
  const length = copyElements(bytes);
  const source = new Float32Array(length).fill(1.5);
  const target = new Float32Array(length);
  return timeCall(() => target.set(source), timing);
}
