import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DEFAULT_TIMING, WARM_UP_WINDOWS } from '@bnkit/bench';
import { BnError, LAYOUTS, describeValue, type Layout } from '@bnkit/core';
import { checkOutputPath, isSameFile } from '@bnkit/core/node';
import type { Timing } from '../benchmark-run.js';
import { STANDARD_OUTPUT } from '../json-output.js';
import { checkShapeLayout, parseInteger, parseLayout, parsePositiveNumber, parseShape } from '../parse-args.js';
import { UsageError } from '../usage-error.js';

// The timing `@bnkit/bench` uses when none is given, so that `--help` shows the real values.
export { DEFAULT_TIMING };

/** Raw shape, layout and timing options as commander hands them over. */
export interface RawShapeOptions {
  shape: string;
  layout: string;
  minTimeMs?: string;
  repeats?: string;
  warmUpMs?: string;
}

/** Adds `--shape`, `--layout`, `--min-time-ms`, `--repeats` and `--warm-up-ms` to a command. */
export function addShapeOptions(command: Command, defaultShape: string, defaultLayout: Layout = 'NCHW'): Command {
  return command
    .option('--shape <dims>', 'comma-separated dims in layout order', defaultShape)
    .addOption(new Option('--layout <layout>', 'memory layout').choices(LAYOUTS).default(defaultLayout))
    .option('--min-time-ms <ms>', 'least time per measurement in milliseconds', String(DEFAULT_TIMING.minTimeMs))
    .option('--repeats <n>', 'measurements per operation; the median is reported', String(DEFAULT_TIMING.repeats))
    .option('--warm-up-ms <ms>', `calls repeated before the first measurement in milliseconds (default: ${WARM_UP_WINDOWS} times --min-time-ms)`);
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
    ...(raw.warmUpMs !== undefined ? { warmUpMs: parseInteger('--warm-up-ms', raw.warmUpMs, 0, 600_000) } : {}),
  };
  return { shape, layout, timing };
}

/**
 * Checks the file options a command will write (`--json`, `--html`, `--out`) before any work
 * starts, with the atomic writer's own rules (`checkOutputPath` of `@bnkit/core/node`): a path
 * in an existing, writable directory that is absent, a regular file or a symbolic link to one.
 * Options left out (undefined) and `-` (standard output) are skipped.
 * @throws UsageError naming the option: a directory, a device, a FIFO, a missing directory.
 */
export async function checkOutputOptions(options: Readonly<Record<string, string | undefined>>): Promise<void> {
  for (const [option, path] of Object.entries(options)) {
    if (path === undefined || path === STANDARD_OUTPUT) continue;
    try {
      await checkOutputPath(path, option);
    } catch (error) {
      if (error instanceof BnError) throw new UsageError(option, error.expected, error.actual);
      throw error;
    }
  }
}

/**
 * Checks that each path given to a directory option (`--onnx-node-tests`, `--vectors`) is an
 * existing directory, before any work starts.
 * @throws UsageError naming the option and the path.
 */
export async function checkDirectoryOption(option: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const stats = await stat(path).catch((error: NodeJS.ErrnoException) => error.code ?? 'unreadable');
    if (typeof stats === 'string') throw new UsageError(option, 'an existing directory', `${describeValue(path)} (${stats})`);
    if (!stats.isDirectory()) throw new UsageError(option, 'an existing directory', `${describeValue(path)} is not a directory`);
  }
}

/**
 * Checks that an output file is not one of the command's input files (the same file under any
 * name, through links), which the write would destroy.
 * @throws UsageError naming `option`.
 */
export async function checkNotInput(option: string, out: string, inputOption: string, input: string): Promise<void> {
  if (await isSameFile(out, input)) {
    throw new UsageError(option, `a file other than ${inputOption}`, `${describeValue(out)} is the ${inputOption} file ${describeValue(input)}`);
  }
}
