import type { Layout, Operation } from '@bnkit/core';
import type { OpenedBackend } from './backend-selection.js';
import type { BenchmarkReport, BenchmarkRow } from '@bnkit/bench';
import { importPackage, requireExport } from './load-package.js';
import type { Progress } from './progress.js';

/** How long to measure: at least `minTimeMs` per measurement, `repeats` measurements (the median is kept). */
export interface Timing {
  readonly minTimeMs?: number;
  readonly repeats?: number;
}

/** The function of `@bnkit/bench` the CLI calls. */
export type BenchModule = Pick<typeof import('@bnkit/bench'), 'runBenchmark'>;

/**
 * Loads `@bnkit/bench`.
 * @throws BnBackendError when the package is missing, unbuilt or lacks `runBenchmark`.
 */
export async function loadBench(): Promise<BenchModule> {
  const module = await importPackage('@bnkit/bench');
  return { runBenchmark: requireExport<BenchModule['runBenchmark']>(module, '@bnkit/bench', 'runBenchmark') };
}

/** The name `@bnkit/bench` gives the rows of the memory-copy baseline. */
export const COPY_BASELINE = 'copy';

/** A measured run: rows of the backends, the copy baseline rows apart, and the whole report (absent when nothing ran). */
export interface Measurement {
  readonly rows: readonly BenchmarkRow[];
  readonly baseline: readonly BenchmarkRow[];
  readonly report?: BenchmarkReport;
}

/**
 * Measures every ready backend on one shape and layout for the given operations, through
 * `@bnkit/bench` (which also times the copy baseline). Unavailable backends are skipped here;
 * tables list them from their slots.
 */
export async function measure(
  bench: BenchModule,
  slots: readonly OpenedBackend[],
  shape: readonly number[],
  layout: Layout,
  operations: readonly Operation[],
  timing: Timing,
  progress: Progress,
): Promise<Measurement> {
  const backends = slots.flatMap((slot) => (slot.status === 'ready' ? [slot.backend] : []));
  if (backends.length === 0) return { rows: [], baseline: [] };
  progress.start((backends.length + 1) * operations.length, 'benchmark');
  const report = await bench.runBenchmark({
    backends,
    cases: [{ shape, layout }],
    operations,
    ...(timing.minTimeMs !== undefined ? { minTimeMs: timing.minTimeMs } : {}),
    ...(timing.repeats !== undefined ? { repeats: timing.repeats } : {}),
    onProgress: (done, _total, label) => progress.update(done, `bench ${label}`),
  });
  progress.stop();
  return {
    report,
    rows: report.rows.filter((row) => row.backend !== COPY_BASELINE),
    baseline: report.rows.filter((row) => row.backend === COPY_BASELINE),
  };
}
