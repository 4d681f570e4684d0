import type { Layout } from '@bnkit/core';
import { benchmarkTable, type BenchmarkReport } from '@bnkit/bench';
import type { Palette } from './color.js';
import { formatTable } from './text-table.js';

/**
 * The benchmark table of a report, for a terminal: `@bnkit/bench`'s cells (per case and
 * operation: median ms, min–max ms over the samples, GB/s, speed against each copy baseline and
 * PyTorch) aligned by the CLI's table, reference rows dimmed and errors in red; then what was
 * skipped and why, and the warnings about the timing's trustworthiness.
 */
export function formatBenchTable(report: BenchmarkReport, palette: Palette): string {
  const table = benchmarkTable(report);
  const rows = table.rows.map(({ row, cells }) =>
    cells.map((cell, i) => {
      if (i === 2 && row.kind !== 'backend') return palette.dim(cell);
      if (i === cells.length - 1 && row.error !== undefined) return palette.red(`error: ${cell}`);
      return cell;
    }),
  );
  const text = formatTable(
    table.columns.map((column) => ({ header: column.header, align: column.numeric ? ('right' as const) : ('left' as const) })),
    rows,
  );
  const skipped = report.skipped.map((s) => palette.yellow(`skipped ${s.backend}: ${s.reason}`));
  const warnings = report.warnings.map((w) => palette.yellow(`warning: ${w}`));
  return [text, ...(skipped.length || warnings.length ? ['', ...skipped, ...warnings] : [])].join('\n');
}

/** What was measured, for headings: `shape [8, 64, 28, 28] NCHW (401408 elements)`. */
export function shapeText(shape: readonly number[], layout: Layout): string {
  const elements = shape.reduce((a, b) => a * b, 1);
  return `shape [${shape.join(', ')}] ${layout} (${elements} elements)`;
}
