import type { BenchmarkReport, BenchmarkRow } from './report.js';

const HEADERS = ['backend', 'shape', 'layout', 'operation', 'median ms', 'GB/s', 'x copy'] as const;

function cells(row: BenchmarkRow): string[] {
  const head = [row.backend, `[${row.shape.join(',')}]`, row.layout, row.operation];
  if (row.error !== undefined) return [...head, row.error, '', ''];
  return [...head, row.medianMs.toFixed(row.medianMs < 1 ? 4 : 2), row.gbPerSec.toFixed(2), row.ratioToCopy.toFixed(2)];
}

/**
 * Formats a report as a plain-text table with aligned columns: text left-aligned, numbers
 * right-aligned; an error row shows its reason in place of the numbers; backends that could not
 * be loaded follow, one line each. `x copy` is the ratio
 * of the row's GB/s to the copy baseline's for the same bytes.
 */
export function formatBenchmarkTable(report: Pick<BenchmarkReport, 'rows' | 'unavailable'>): string {
  const body = report.rows.map(cells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.filter((r) => i < 4 || r[5] !== '').map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[], error: boolean): string =>
    values
      .map((v, i) => {
        if (error && i === 4) return v;
        const w = widths[i] as number;
        return i >= 4 ? v.padStart(w) : v.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const missing = (report.unavailable ?? []).map((u) => `${u.backend}: ${u.reason}`);
  return [line(HEADERS, false), ...body.map((r, i) => line(r, report.rows[i]?.error !== undefined)), ...missing].join('\n');
}
