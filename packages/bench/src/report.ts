import type { Layout, Operation } from '@bnkit/core';

/** The backend name of the memory-copy baseline rows. */
export const COPY_BASELINE = 'copy';

/**
 * One measured (backend, shape, layout, operation). `medianMs` is the median time of one call;
 * `gbPerSec` counts the minimum bytes the operation must move (see `minimumBytes`);
 * `ratioToCopy` divides it by the copy baseline's GB/s for the same byte count in the same run.
 * A backend that lacks the capability or throws gives a row with `error` and NaN numbers.
 */
export interface BenchmarkRow {
  readonly backend: string;
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly operation: Operation;
  readonly medianMs: number;
  readonly gbPerSec: number;
  readonly ratioToCopy: number;
  readonly error?: string;
}

/** A benchmark run: every row, the copy baseline rows (backend `copy`) included, and when and where it ran. */
export interface BenchmarkReport {
  readonly rows: readonly BenchmarkRow[];
  /** Backends that could not be loaded at all, with why (the bench CLI fills this). */
  readonly unavailable?: readonly { readonly backend: string; readonly reason: string }[];
  /** ISO time the run started. */
  readonly startedAt: string;
  readonly environment: { readonly node: string; readonly platform: string; readonly arch: string; readonly cpus: number; readonly cpuModel: string };
}
