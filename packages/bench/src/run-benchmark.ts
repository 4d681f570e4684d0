import os from 'node:os';
import type { Backend, Layout, Operation } from '@bnkit/core';
import { gigabytesPerSecond, minimumBytes } from './bytes.js';
import { measureCopy, type CopyMeasurement } from './copy-baseline.js';
import { caseData, operationCall, type OperationCall } from './inputs.js';
import { COPY_BASELINE, type BenchmarkReport, type BenchmarkRow } from './report.js';
import { timeCall, type TimingOptions } from './timing.js';

/** What to measure. */
export interface BenchmarkOptions {
  /** Backends to time, each already usable (`init` is called here once, before timing). */
  backends: readonly Backend[];
  cases: readonly { shape: readonly number[]; layout: Layout }[];
  operations: readonly Operation[];
  /** Minimum duration of one timing sample in ms (default 100). */
  minTimeMs?: number;
  /** Samples per measurement; the median is reported (default 7; 3 for calls slower than 250 ms). */
  repeats?: number;
  /** Called after each row (copy baseline rows included) with the rows done, the total and a label. */
  onProgress?: (done: number, total: number, label: string) => void;
}

function errorRow(backend: string, shape: readonly number[], layout: Layout, operation: Operation, error: string): BenchmarkRow {
  return { backend, shape, layout, operation, medianMs: Number.NaN, gbPerSec: Number.NaN, ratioToCopy: Number.NaN, error };
}

function unsupported(backend: Backend, layout: Layout, operation: Operation): string | undefined {
  const { operations, layouts, dtypes } = backend.capabilities;
  if (!operations.includes(operation)) return `unsupported: operation ${operation}`;
  if (!layouts.includes(layout)) return `unsupported: layout ${layout}`;
  if (!dtypes.includes('float32')) return 'unsupported: float32';
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Times every backend on every case and operation, next to a memory-copy baseline of the same
 * byte count measured in the same run. A backend that lacks a capability, fails to initialise
 * or throws gives a row with `error` instead of stopping the run. The copy baseline appears as
 * rows of backend `copy` (ratio 1).
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const timing: TimingOptions = { minTimeMs: options.minTimeMs ?? 100, repeats: options.repeats ?? 7, slowCallMs: 250 };
  const startedAt = new Date().toISOString();
  const initErrors = new Map<Backend, string>();
  for (const backend of options.backends) {
    try {
      await backend.init();
    } catch (error) {
      initErrors.set(backend, `init failed: ${message(error)}`);
    }
  }
  const rows: BenchmarkRow[] = [];
  const total = options.cases.length * options.operations.length * (options.backends.length + 1);
  const copies = new Map<number, CopyMeasurement>();
  const progress = (label: string): void => options.onProgress?.(rows.length, total, label);
  for (const { shape, layout } of options.cases) {
    const data = caseData(shape, layout);
    for (const operation of options.operations) {
      const bytes = minimumBytes(shape, operation);
      let copy = copies.get(bytes);
      if (!copy) {
        copy = await measureCopy(bytes, timing);
        copies.set(bytes, copy);
      }
      rows.push({ backend: COPY_BASELINE, shape, layout, operation, medianMs: copy.medianMs, gbPerSec: copy.gbPerSec, ratioToCopy: 1 });
      progress(`${COPY_BASELINE} ${operation}`);
      for (const backend of options.backends) {
        const reason = initErrors.get(backend) ?? unsupported(backend, layout, operation);
        if (reason !== undefined) {
          rows.push(errorRow(backend.name, shape, layout, operation, reason));
        } else {
          let prepared: OperationCall | undefined;
          try {
            prepared = operationCall(backend, data, operation);
            const medianMs = await timeCall(prepared.call, timing);
            const gbPerSec = gigabytesPerSecond(bytes, medianMs);
            rows.push({ backend: backend.name, shape, layout, operation, medianMs, gbPerSec, ratioToCopy: gbPerSec / copy.gbPerSec });
          } catch (error) {
            rows.push(errorRow(backend.name, shape, layout, operation, message(error)));
          } finally {
            prepared?.release();
          }
        }
        progress(`${backend.name} ${operation}`);
      }
    }
  }
  const cpus = os.cpus();
  return {
    rows,
    startedAt,
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' },
  };
}
