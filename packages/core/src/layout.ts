import { BnShapeError, describeValue } from './errors.js';

/**
 * The memory layouts bnkit understands. `N` is the batch, `C` the channel (the axis BN
 * normalises per), and `L`, `H`, `W`, `D` spatial axes. Channels-first layouts keep each
 * channel's values of one sample contiguous; channels-last ones interleave channels.
 */
export type Layout = 'NC' | 'NCL' | 'NCHW' | 'NCDHW' | 'NLC' | 'NHWC' | 'NDHWC';

/** Every layout, channels-first ones first. */
export const LAYOUTS: readonly Layout[] = ['NC', 'NCL', 'NCHW', 'NCDHW', 'NLC', 'NHWC', 'NDHWC'];

/** The layouts whose channel axis is last. */
export const CHANNELS_LAST_LAYOUTS: readonly Layout[] = ['NLC', 'NHWC', 'NDHWC'];

/**
 * A shape read against its layout: `n` samples, `c` channels, `spatial` values per channel per
 * sample (the product of the spatial dims, 1 for NC), and `perChannel = n * spatial`, the count m
 * of values each channel holds in the batch.
 */
export interface ShapeInfo {
  readonly layout: Layout;
  readonly shape: readonly number[];
  readonly n: number;
  readonly c: number;
  readonly spatial: number;
  readonly perChannel: number;
  readonly size: number;
  readonly channelsLast: boolean;
}

/** True for a layout whose channel axis is last (NLC, NHWC, NDHWC). */
export function isChannelsLast(layout: Layout): boolean {
  return CHANNELS_LAST_LAYOUTS.includes(layout);
}

/** The rank a layout requires: its number of letters. */
export function layoutRank(layout: Layout): number {
  return layout.length;
}

/** The index of the channel axis in a shape of this layout. */
export function channelAxis(layout: Layout): number {
  return isChannelsLast(layout) ? layout.length - 1 : 1;
}

/**
 * Checks `shape` against `layout` and returns its sizes.
 * @throws BnShapeError when the layout is unknown, the rank differs from the layout's, or a dim
 *   is not a positive integer.
 */
export function describeShape(shape: readonly number[], layout: Layout, argument = 'shape'): ShapeInfo {
  if (!LAYOUTS.includes(layout)) {
    throw new BnShapeError('layout', `one of ${LAYOUTS.join(', ')}`, describeValue(layout));
  }
  if (!Array.isArray(shape) || shape.length !== layout.length) {
    throw new BnShapeError(
      argument,
      `rank ${layout.length} for layout ${layout}`,
      Array.isArray(shape) ? `rank ${shape.length} ${describeValue(shape)}` : describeValue(shape),
    );
  }
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new BnShapeError(argument, 'every dim a positive integer', describeValue(shape));
    }
  }
  const channelsLast = isChannelsLast(layout);
  const c = shape[channelAxis(layout)] as number;
  const n = shape[0] as number;
  const size = shape.reduce((a, b) => a * b, 1);
  const spatial = size / (n * c);
  return { layout, shape: [...shape], n, c, spatial, perChannel: n * spatial, size, channelsLast };
}

/**
 * Calls `visit(offset)` for every element of channel `channel`, in memory order. The order is
 * the same for every channel: sample by sample, then spatial position.
 */
export function forEachInChannel(info: ShapeInfo, channel: number, visit: (offset: number) => void): void {
  const { n, c, spatial, channelsLast } = info;
  if (channelsLast) {
    const sampleStride = spatial * c;
    for (let s = 0; s < n; s++) {
      const base = s * sampleStride + channel;
      for (let p = 0; p < spatial; p++) visit(base + p * c);
    }
  } else {
    const sampleStride = c * spatial;
    for (let s = 0; s < n; s++) {
      const base = s * sampleStride + channel * spatial;
      for (let p = 0; p < spatial; p++) visit(base + p);
    }
  }
}

/**
 * The permutation that takes a tensor of `layout` to its channels-first twin (NLC -> NCL,
 * NHWC -> NCHW, NDHWC -> NCDHW); the identity for channels-first layouts.
 */
export function toChannelsFirstPermutation(layout: Layout): number[] {
  const rank = layout.length;
  if (!isChannelsLast(layout)) return Array.from({ length: rank }, (_, i) => i);
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** The channels-first layout with the same rank (NHWC -> NCHW); itself for channels-first ones. */
export function channelsFirstTwin(layout: Layout): Layout {
  switch (layout) {
    case 'NLC':
      return 'NCL';
    case 'NHWC':
      return 'NCHW';
    case 'NDHWC':
      return 'NCDHW';
    default:
      return layout;
  }
}
