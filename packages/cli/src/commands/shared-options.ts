import { Option, type Command } from 'commander';
import { LAYOUTS, type Layout } from '@bnkit/core';
import type { Timing } from '../benchmark-run.js';
import { checkShapeLayout, parseInteger, parseLayout, parsePositiveNumber, parseShape } from '../parse-args.js';

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
    .option('--min-time-ms <ms>', 'least time per measurement in milliseconds (default: the bench package default)')
    .option('--repeats <n>', 'measurements per operation; the median is reported (default: the bench package default)');
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
