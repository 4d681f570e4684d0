import { Option, type Command } from 'commander';
import { LAYOUTS, type Layout } from '@bnkit/core';
import type { Timing } from '../benchmark-run.js';
import { checkShapeLayout, parseInteger, parseLayout, parsePositiveNumber, parseShape } from '../parse-args.js';

/**
 * The timing the CLI asks `@bnkit/bench` for when none is given: at least 100 ms per sample,
 * 7 samples (the median is reported). Stated here so that `--help` shows the real values.
 */
export const DEFAULT_TIMING = { minTimeMs: 100, repeats: 7 } as const;

/** Raw shape, layout and timing options as commander hands them over. */
export interface RawShapeOptions {
  shape: string;
  layout: string;
  minTimeMs?: string;
  repeats?: string;
}

/** Adds `--shape`, `--layout`, `--min-time-ms` and `--repeats` to a command. */
export function addShapeOptions(command: Command, defaultShape: string, defaultLayout: Layout = 'NCHW'): Command {
  return command
    .option('--shape <dims>', 'comma-separated dims in layout order', defaultShape)
    .addOption(new Option('--layout <layout>', 'memory layout').choices(LAYOUTS).default(defaultLayout))
    .option('--min-time-ms <ms>', 'least time per measurement in milliseconds', String(DEFAULT_TIMING.minTimeMs))
    .option('--repeats <n>', 'measurements per operation; the median is reported', String(DEFAULT_TIMING.repeats));
}

/**
 * Parses and cross-checks the shape, layout and timing options.
 * @throws UsageError naming the option, e.g. a shape whose rank is not the layout's.
 */
export function parseShapeOptions(raw: RawShapeOptions): { shape: number[]; layout: Layout; timing: Timing } {
  const shape = parseShape('--shape', raw.shape);
  const layout = parseLayout('--layout', raw.layout);
  checkShapeLayout(shape, layout);
  const timing: Timing = {
    ...(raw.minTimeMs !== undefined ? { minTimeMs: parsePositiveNumber('--min-time-ms', raw.minTimeMs) } : {}),
    ...(raw.repeats !== undefined ? { repeats: parseInteger('--repeats', raw.repeats, 1, 1000) } : {}),
  };
  return { shape, layout, timing };
}
