import { BnValueError, LAYOUTS, describeShape, describeValue, type Layout } from '@bnkit/core';

/** One shape to measure, with the layout its dims are in. */
export interface BenchCase {
  readonly shape: readonly number[];
  readonly layout: Layout;
}

/**
 * The shapes the bench measures unless told otherwise: two ResNet-sized NCHW activations (batch
 * 32 and 128), the first one channels-last, a fully connected NC batch, and a small
 * channels-last image of batch 1.
 */
export const DEFAULT_CASES: readonly BenchCase[] = Object.freeze([
  { shape: [32, 64, 56, 56], layout: 'NCHW' },
  { shape: [128, 64, 56, 56], layout: 'NCHW' },
  { shape: [32, 56, 56, 64], layout: 'NHWC' },
  { shape: [256, 1024], layout: 'NC' },
  { shape: [1, 112, 112, 32], layout: 'NHWC' },
]);

/** A case as `--shapes` writes it: dims joined by `x`, a colon, the layout (`32x64x56x56:NCHW`). */
export function caseText(benchCase: BenchCase): string {
  return `${benchCase.shape.join('x')}:${benchCase.layout}`;
}

/**
 * Parses a comma-separated list of cases written like `32x64x56x56:NCHW,256x1024:NC`.
 * @throws BnValueError naming `argument` when an entry is not dims, a colon and a layout, or the
 *   dims do not fit the layout.
 */
export function parseCases(text: string, argument = '--shapes'): BenchCase[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) throw new BnValueError(argument, 'comma-separated DIMSxDIMS:LAYOUT entries', describeValue(text));
  return entries.map((entry) => {
    const match = /^(\d+(?:x\d+)*):([A-Z]+)$/.exec(entry);
    const layout = match?.[2] as Layout | undefined;
    if (!match || layout === undefined || !LAYOUTS.includes(layout)) {
      throw new BnValueError(argument, `an entry like 32x64x56x56:NCHW with a layout of ${LAYOUTS.join(', ')}`, describeValue(entry));
    }
    const shape = (match[1] as string).split('x').map(Number);
    try {
      describeShape(shape, layout);
    } catch (error) {
      throw new BnValueError(argument, `dims that fit ${layout}: ${error instanceof Error ? error.message : String(error)}`, describeValue(entry));
    }
    return { shape, layout };
  });
}
