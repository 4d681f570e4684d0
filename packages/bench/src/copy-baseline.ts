import { timeCall, type TimingOptions } from './timing.js';

/** A measured copy: median ms of one copy and its GB/s, counting bytes read plus bytes written. */
export interface CopyMeasurement {
  readonly medianMs: number;
  readonly gbPerSec: number;
}

/**
 * The memory-copy baseline for `bytes` moved: copies a Float32Array of bytes/8 elements into
 * another with `Float32Array.prototype.set` (so bytes/2 read plus bytes/2 written), timed like the
 * backends. GB/s = bytes / time.
 */
export async function measureCopy(bytes: number, timing: TimingOptions): Promise<CopyMeasurement> {
  const length = Math.max(1, Math.round(bytes / 8));
  const source = new Float32Array(length).fill(1.5);
  const target = new Float32Array(length);
  const medianMs = await timeCall(() => target.set(source), timing);
  return { medianMs, gbPerSec: (length * 8) / (medianMs * 1e6) };
}
