import os from 'node:os';
import { CONVENTIONS, DEFAULT_CONVENTION, type Backend, type Layout, type Operation } from '@bnkit/core';
import { gigabytesPerSecond, minimumBytes } from './bytes.js';
import type { BenchCase } from './cases.js';
import { COPY_BASELINE, COPY_BASELINES, measureCopy, type CopyBaselineName } from './copy-baseline.js';
import { benchEnvironment } from './environment.js';
import { caseData, hasAllocator, operationCall, type Buffers, type CaseData, type OperationCall } from './inputs.js';
import { DEFAULT_PYTHONS, PYTORCH, startPytorch, type PytorchSession } from './pytorch.js';
import type { BenchmarkReport, BenchmarkRow, RowKind, SkippedRow } from './report.js';
import { SharedCopy } from './shared-copy.js';
import { DEFAULT_TIMING, WARM_UP_WINDOWS, timeCall, type Timing, type TimingOptions } from './timing.js';
import { trustWarnings } from './trust.js';

/** Threads of the two-thread copy baseline and of PyTorch unless told otherwise. */
export const DEFAULT_BENCH_THREADS = 2;

/** What to measure. */
export interface BenchmarkOptions {
  /** Backends to time, each ready to use (opened through the registry, which owns `init` and `dispose`). */
  readonly backends: readonly Backend[];
  readonly cases: readonly BenchCase[];
  readonly operations: readonly Operation[];
  /** Minimum duration of one timing sample in ms (default 100). */
  readonly minTimeMs?: number;
  /** Samples per row: min, median and max are reported (default 7; 3 for calls slower than 250 ms). */
  readonly repeats?: number;
  /** Calls repeated before the first sample of a row, in ms (default three sample windows, `3 * minTimeMs`; see `TimingOptions.warmUpMs`). */
  readonly warmUpMs?: number;
  /** Whether a backend with `allocate()` is also timed with plain Float32Arrays, and with plain inputs whose outputs it allocates (default true). */
  readonly plainArrays?: boolean;
  /** The copy baselines to time (default both). */
  readonly baselines?: readonly CopyBaselineName[];
  /**
   * Whether to time PyTorch in the same run (default false). `true` tries `DEFAULT_PYTHONS`; a
   * list names the interpreters to try. Without torch the run goes on and PyTorch is skipped
   * with the reason.
   */
  readonly pytorch?: boolean | readonly string[];
  /** Threads of the two-thread copy baseline and of PyTorch (default 2). */
  readonly threads?: number;
  /** What the caller could not open (engines missing here), passed on to the report. */
  readonly skipped?: readonly SkippedRow[];
  /** Called after each row with the rows done, the total and a label. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/** One thing timed per case and operation. */
interface Subject {
  readonly label: string;
  readonly kind: RowKind;
  readonly backend: string;
  readonly buffers?: Buffers;
  /** Times it, or throws the reason it cannot be timed. */
  readonly time: (data: CaseData, operation: Operation, bytes: number) => Promise<Timing>;
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

function unsupported(backend: Backend, layout: Layout, operation: Operation): string | undefined {
  const { operations, layouts, dtypes } = backend.capabilities;
  if (!operations.includes(operation)) return `unsupported: operation ${operation}`;
  if (!layouts.includes(layout)) return `unsupported: layout ${layout}`;
  if (!dtypes.includes('float32')) return 'unsupported: float32';
  return undefined;
}

/** How a row names the buffers of a backend timed in more than one. */
const BUFFER_LABELS: Record<Buffers, string> = { allocate: 'allocate()', plain: 'Float32Array', 'plain-inputs': 'Float32Array in' };

function backendSubjects(backend: Backend, plainArrays: boolean, timing: TimingOptions): Subject[] {
  const variants: Buffers[] = hasAllocator(backend) ? (plainArrays ? ['allocate', 'plain', 'plain-inputs'] : ['allocate']) : ['plain'];
  return variants.map((buffers) => ({
    label: variants.length > 1 ? `${backend.name} ${BUFFER_LABELS[buffers]}` : backend.name,
    kind: 'backend',
    backend: backend.name,
    buffers,
    time: async (data, operation) => {
      const reason = unsupported(backend, data.layout, operation);
      if (reason !== undefined) throw new Error(reason);
      let prepared: OperationCall | undefined;
      try {
        prepared = operationCall(backend, data, operation, buffers);
        return await timeCall(prepared.call, timing);
      } finally {
        prepared?.release();
      }
    },
  }));
}

function copySubject(name: CopyBaselineName, measure: (bytes: number) => Promise<Timing>): Subject {
  return { label: name, kind: 'baseline', backend: name, time: (_, __, bytes) => measure(bytes) };
}

function pytorchSubject(session: PytorchSession, timing: TimingOptions): Subject {
  // The bench's inputs carry no convention, so every backend runs the default one; so does PyTorch.
  const convention = CONVENTIONS[DEFAULT_CONVENTION];
  return {
    label: PYTORCH,
    kind: 'pytorch',
    backend: PYTORCH,
    time: (data, operation) => session.measure({ shape: data.shape, layout: data.layout, operation, eps: convention.defaultEps, momentum: convention.defaultMomentum }, timing),
  };
}

function row(subject: Subject, data: CaseData, operation: Operation, bytes: number, timing: Timing | string): BenchmarkRow {
  const head = { label: subject.label, kind: subject.kind, backend: subject.backend, ...(subject.buffers ? { buffers: subject.buffers } : {}), shape: data.shape, layout: data.layout, operation };
  if (typeof timing === 'string') {
    return { ...head, minMs: Number.NaN, medianMs: Number.NaN, maxMs: Number.NaN, samples: [], callsPerSample: 0, windowMs: Number.NaN, gbPerSec: Number.NaN, ratios: {}, error: timing };
  }
  return { ...head, ...timing, gbPerSec: gigabytesPerSecond(bytes, timing.medianMs), ratios: {} };
}

/** Adds to each row its ratios against the measured references of its group (same case and operation). */
function withRatios(group: readonly BenchmarkRow[]): BenchmarkRow[] {
  const references = group.filter((r) => r.error === undefined && (r.kind === 'baseline' || r.kind === 'pytorch'));
  return group.map((r) => {
    if (r.error !== undefined) return r;
    const ratios = Object.fromEntries(references.map((reference) => [reference.backend, reference.medianMs / r.medianMs]));
    return { ...r, ratios };
  });
}

/**
 * Times every backend on every case and operation next to the copy baselines and, when asked
 * and importable, PyTorch, all of the same byte count in the same run, one measurement at a time
 * (nothing timed competes with another). A backend with `allocate()` gets a row with its own
 * buffers and one with plain Float32Arrays. A backend that lacks a capability or throws gives a
 * row with `error` instead of stopping the run. Calls `init`/`dispose` on nothing: the caller
 * (the registry) owns the backends' lifecycle.
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const minTimeMs = options.minTimeMs ?? DEFAULT_TIMING.minTimeMs;
  const timing: TimingOptions = {
    ...DEFAULT_TIMING,
    minTimeMs,
    repeats: options.repeats ?? DEFAULT_TIMING.repeats,
    warmUpMs: options.warmUpMs ?? WARM_UP_WINDOWS * minTimeMs,
  };
  const threads = options.threads ?? DEFAULT_BENCH_THREADS;
  const environment = benchEnvironment();
  const startedAt = new Date().toISOString();
  const skipped: SkippedRow[] = [...(options.skipped ?? [])];
  const baselines = options.baselines ?? COPY_BASELINES;
  // The two-thread copy's workers start when it is first timed and end with the run.
  let sharedCopy: SharedCopy | undefined;
  const copyTimers: Record<CopyBaselineName, (bytes: number) => Promise<Timing>> = {
    [COPY_BASELINE.oneThread]: (bytes) => measureCopy(bytes, timing),
    [COPY_BASELINE.twoThreads]: (bytes) => (sharedCopy ??= new SharedCopy(threads)).measure(bytes, timing),
  };
  let pytorch: PytorchSession | undefined;
  try {
    if (options.pytorch) {
      const started = await startPytorch(threads, options.pytorch === true ? DEFAULT_PYTHONS : options.pytorch);
      if (started.status === 'ready') pytorch = started.session;
      else skipped.push({ backend: PYTORCH, reason: started.reason });
    }
    const subjects = [
      ...baselines.map((name) => copySubject(name, copyTimers[name])),
      ...(pytorch ? [pytorchSubject(pytorch, timing)] : []),
      ...options.backends.flatMap((backend) => backendSubjects(backend, options.plainArrays ?? true, timing)),
    ];
    const rows: BenchmarkRow[] = [];
    const total = options.cases.length * options.operations.length * subjects.length;
    let done = 0;
    for (const { shape, layout } of options.cases) {
      const data = caseData(shape, layout);
      for (const operation of options.operations) {
        const bytes = minimumBytes(shape, operation);
        const group: BenchmarkRow[] = [];
        for (const subject of subjects) {
          let timed: Timing | string;
          try {
            timed = await subject.time(data, operation, bytes);
          } catch (error) {
            timed = message(error);
          }
          group.push(row(subject, data, operation, bytes, timed));
          options.onProgress?.(++done, total, `${subject.label} [${shape.join(',')}] ${layout} ${operation}`);
        }
        rows.push(...withRatios(group));
      }
    }
    const warnings = trustWarnings(rows, timing, environment, os.loadavg()[0] ?? 0, pytorch?.ompWaitPolicy);
    return {
      rows,
      skipped,
      warnings,
      startedAt,
      environment,
      threads,
      ...(pytorch ? { pytorch: { version: pytorch.version, python: pytorch.python, threads: pytorch.threads, ompWaitPolicy: pytorch.ompWaitPolicy } } : {}),
      timing: { minTimeMs: timing.minTimeMs, repeats: timing.repeats, slowCallMs: timing.slowCallMs, warmUpMs: timing.warmUpMs },
    };
  } finally {
    await pytorch?.close();
    await sharedCopy?.close();
  }
}
