import type { Layout, Operation } from '@bnkit/core';
import type { Buffers } from './inputs.js';
import type { BenchEnvironment } from './environment.js';
import type { Timing } from './timing.js';

/** What a row measures: a copy baseline, a bnkit backend, or PyTorch as a point of comparison. */
export type RowKind = 'baseline' | 'backend' | 'pytorch';

/**
 * One measured (row, shape, layout, operation). Times are ms per call over the samples:
 * `minMs`, `medianMs`, `maxMs`. `gbPerSec` counts the minimum bytes the operation must move (see
 * `minimumBytes`) over the median time. `ratios` holds, per reference row measured in the same
 * run on the same case and operation (`copy-1t`, `copy-2t`, `pytorch`), the reference's median
 * time over this row's: above 1 is faster than the reference. A row that could not be measured
 * (the backend lacks the capability, or it threw) has `error` and NaN numbers.
 */
export interface BenchmarkRow extends Timing {
  /** What tables print: the backend's name, with `allocate()` or `Float32Array` when it was timed both ways. */
  readonly label: string;
  readonly kind: RowKind;
  /** The registry name of the backend, or the baseline's or PyTorch's name. */
  readonly backend: string;
  /** For backend rows: where x, dy and the outputs lived. */
  readonly buffers?: Buffers;
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly operation: Operation;
  readonly gbPerSec: number;
  readonly ratios: Readonly<Record<string, number>>;
  readonly error?: string;
}

/** A row that was asked for but not measured at all (an engine that is missing here, PyTorch without torch), and why. */
export interface SkippedRow {
  readonly backend: string;
  readonly reason: string;
}

/** A benchmark run: every row, baselines and PyTorch included, what was skipped, and when and where it ran. */
export interface BenchmarkReport {
  readonly rows: readonly BenchmarkRow[];
  /** Backends, packages and PyTorch that could not run here, with why. */
  readonly skipped: readonly SkippedRow[];
  /** Reasons to distrust the numbers (a short timing window, a loaded machine); empty when none. */
  readonly warnings: readonly string[];
  /** ISO time the run started. */
  readonly startedAt: string;
  readonly environment: BenchEnvironment;
  /** Threads of the two-thread copy and of PyTorch. */
  readonly threads: number;
  /** PyTorch's version, interpreter, threads and OpenMP wait policy (see `PytorchSession`) when it was measured. */
  readonly pytorch?: { readonly version: string; readonly python: string; readonly threads: number; readonly ompWaitPolicy: string };
  readonly timing: { readonly minTimeMs: number; readonly repeats: number; readonly slowCallMs: number; readonly warmUpMs: number };
}
