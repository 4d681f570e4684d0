import type { ShapeInfo } from '@bnkit/core';

/**
 * How a flat, row-major tensor maps onto channels: element `i` belongs to channel
 * `floor(i / inner) % c`. Channels-first layouts have `inner` = the spatial size (each sample's
 * channel is one contiguous run); channels-last layouts and NC have `inner` = 1 (rows of `c`
 * channels). Every kernel works on a flat index range `[start, end)` of this mapping, so a tensor
 * can be cut anywhere between threads.
 */
export interface Geometry {
  /** Channels. */
  readonly c: number;
  /** Contiguous values of one channel before the next channel starts (1 for channels-last). */
  readonly inner: number;
  /** Elements in the tensor. */
  readonly size: number;
}

/** The geometry of a validated shape. */
export function geometryOf(info: ShapeInfo): Geometry {
  return { c: info.c, inner: info.channelsLast ? 1 : info.spatial, size: info.size };
}
