import type { Layout } from '@bnkit/core';
import { unavailableText, type OpenedBackend } from './backend-selection.js';
import type { Palette } from './color.js';
import type { BenchmarkReport, BenchmarkRow } from '@bnkit/bench';
import { formatMs, formatQuantity } from './format-number.js';
import { formatTable } from './text-table.js';
import type { Measurement } from './benchmark-run.js';

function rowCells(row: BenchmarkRow, palette: Palette): string[] {
  if (row.error) return [row.backend, row.operation, '-', '-', '-', palette.red(`error: ${row.error}`)];
  return [row.backend, row.operation, formatMs(row.medianMs), formatQuantity(row.gbPerSec, 3), formatQuantity(row.ratioToCopy, 3), ''];
}

/**
 * The benchmark table: per backend and operation the median time, the throughput (bytes read
 * and written per second, GB = 1e9 bytes) and the ratio to the copy baseline, grouped by
 * operation with the baseline last in each group, then one row per backend that could not run.
 */
export function formatBenchTable(measurement: Measurement, slots: readonly OpenedBackend[], palette: Palette): string {
  const rows: string[][] = [];
  const operations = [...new Set([...measurement.rows, ...measurement.baseline].map((row) => row.operation))];
  for (const operation of operations) {
    for (const row of measurement.rows.filter((r) => r.operation === operation)) rows.push(rowCells(row, palette));
    for (const row of measurement.baseline.filter((r) => r.operation === operation)) {
      rows.push(rowCells(row, palette).map((cell, i) => (i === 0 ? palette.dim(cell) : cell)));
    }
  }
  for (const slot of slots) {
    if (slot.status === 'unavailable') rows.push([slot.name, '-', '-', '-', '-', palette.red(unavailableText(slot))]);
  }
  return formatTable(
    [
      { header: 'backend' },
      { header: 'op' },
      { header: 'median ms', align: 'right' },
      { header: 'GB/s', align: 'right' },
      { header: 'vs copy', align: 'right' },
      { header: 'note' },
    ],
    rows,
  );
}

/** What was measured, for headings: `shape [8, 64, 28, 28] NCHW (401408 elements)`. */
export function shapeText(shape: readonly number[], layout: Layout): string {
  const elements = shape.reduce((a, b) => a * b, 1);
  return `shape [${shape.join(', ')}] ${layout} (${elements} elements)`;
}

/** What the benchmark columns mean, printed under the table. */
export const BENCH_LEGEND = [
  'GB/s counts the least bytes an operation must move per float32 element (inference 8, trainForward 12, backward 12;',
  '1 GB = 1e9 bytes) over the median time. vs copy: that GB/s divided by a plain memory copy of the same bytes',
  '(1 = as fast as copying). The copy row is the baseline itself.',
].join('\n');

/** Where a benchmark ran, for the reader to judge its numbers: `Node v20.20.0, linux x64, 2 CPUs (model)`. */
export function environmentText(report: Pick<BenchmarkReport, 'environment' | 'startedAt'>): string {
  const { node, platform, arch, cpus, cpuModel } = report.environment;
  return `Node ${node}, ${platform} ${arch}, ${cpus} CPUs (${cpuModel}), started ${report.startedAt}`;
}
