import { BnValueError, describeValue, type Operation } from '@bnkit/core';

/**
 * The minimum bytes per float32 element each operation must move through memory, the basis of
 * every GB/s figure and of the copy baselines' sizes. Inference reads x and writes y (8). The
 * training forward reads x once for the statistics, again to normalise, and writes y (12).
 * Backward reads x and dy once for the two per-channel sums, again for dx, and writes dx (20).
 * Per-channel parameters are O(C) and not counted.
 */
export const BYTES_PER_ELEMENT: Readonly<Record<Operation, number>> = Object.freeze({
  inference: 8,
  trainForward: 12,
  backward: 20,
});

/**
 * Minimum bytes one call of `operation` on a float32 tensor of `shape` moves.
 * @throws BnValueError when a dim is not a positive integer.
 */
export function minimumBytes(shape: readonly number[], operation: Operation): number {
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 1) throw new BnValueError('shape', 'every dim a positive integer', describeValue(shape));
  }
  return shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[operation];
}

/** GB/s (1e9 bytes per second) of moving `bytes` in `ms` milliseconds. */
export function gigabytesPerSecond(bytes: number, ms: number): number {
  return bytes / (ms * 1e6);
}
