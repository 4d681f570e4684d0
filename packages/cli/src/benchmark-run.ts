import type { Backend, Layout, Operation } from '@bnkit/core';
import type { BenchmarkReport, BenchmarkRow } from '@bnkit/bench';
import { importPackage, requireExport } from './load-package.js';
import type { Progress } from './progress.js';

/**
 * How long to measure: `warmUpMs` of calls first, then `repeats` samples of at least `minTimeMs`
 * each (min, median and max are kept).
 */
export interface Timing {
  readonly minTimeMs?: number;
  readonly repeats?: number;
  readonly warmUpMs?: number;
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

/** What `measure` needs of an opened backend: the backend when it is ready. */
export type MeasurableSlot = { readonly status: 'ready'; readonly backend: Backend } | { readonly status: 'unavailable' };

/**
 * A measured run: the backends' rows, the reference rows apart (the copy baselines and, when
 * measured, PyTorch), and the whole report (absent when nothing ran).
 */
export interface Measurement {
  readonly rows: readonly BenchmarkRow[];
  readonly baseline: readonly BenchmarkRow[];
  readonly report?: BenchmarkReport;
}

/** Splits a report into the backends' rows and the reference rows. */
export function splitReport(report: BenchmarkReport): Measurement {
  return { report, rows: report.rows.filter((row) => row.kind === 'backend'), baseline: report.rows.filter((row) => row.kind !== 'backend') };
}

/** An `onProgress` for `runBenchmark` that drives `progress`, started when the first row reports the total. */
export function progressReporter(progress: Progress): (done: number, total: number, label: string) => void {
  let started = false;
  return (done, total, label) => {
    if (!started) progress.start(total, 'benchmark');
    started = true;
    progress.update(done, `bench ${label}`);
  };
}

/**
 * Measures every ready backend on one shape and layout for the given operations, through
 * `@bnkit/bench`, next to its copy baselines; one row per backend, in its fastest buffers
 * (`allocate()` where offered), and no PyTorch: what a choice between backends needs.
 * Ready backends are used as they are (the registry owns their init and dispose); unavailable
 * ones are skipped here (tables list them from their slots).
 */
export async function measure(
  bench: BenchModule,
  slots: readonly MeasurableSlot[],
  shape: readonly number[],
  layout: Layout,
  operations: readonly Operation[],
  timing: Timing,
  progress: Progress,
): Promise<Measurement> {
  const backends = slots.flatMap((slot) => (slot.status === 'ready' ? [slot.backend] : []));
  if (backends.length === 0) return { rows: [], baseline: [] };
  const report = await bench.runBenchmark({ backends, cases: [{ shape, layout }], operations, plainArrays: false, ...timing, onProgress: progressReporter(progress) });
  progress.stop();
  return splitReport(report);
}
