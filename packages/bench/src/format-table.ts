import { caseText } from './cases.js';
import { COPY_BASELINES } from './copy-baseline.js';
import { environmentText } from './environment.js';
import { PYTORCH } from './pytorch.js';
import type { BenchmarkReport, BenchmarkRow } from './report.js';

/** A column of the benchmark table: its header and whether its cells are numbers (right-aligned). */
export interface TableColumn {
  readonly header: string;
  readonly numeric: boolean;
}

/** The benchmark table as cells, for any renderer: columns, then per row its cells and the row it shows. */
export interface BenchmarkTable {
  readonly columns: readonly TableColumn[];
  readonly rows: readonly { readonly cells: readonly string[]; readonly row: BenchmarkRow }[];
}

/** A time in ms with three significant digits (`0.0123`, `1.35`, `464`). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 1000 ? ms.toFixed(0) : String(Number(ms.toPrecision(3)));
}

function formatRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function referencesOf(report: Pick<BenchmarkReport, 'rows'>): string[] {
  const measured = new Set(report.rows.filter((r) => r.error === undefined).map((r) => r.backend));
  return [...COPY_BASELINES, PYTORCH].filter((name) => measured.has(name));
}

/**
 * The cells of the benchmark table: per case and operation (printed once per group) each row's
 * median ms, its spread (min–max ms over the samples), GB/s at the median, and its speed against
 * each reference measured in the run (`x copy-1t`, `x copy-2t`, `x pytorch`: the reference's
 * median time over the row's; above 1 is faster), then an error in place of the numbers.
 */
export function benchmarkTable(report: Pick<BenchmarkReport, 'rows'>): BenchmarkTable {
  const references = referencesOf(report);
  const columns: TableColumn[] = [
    { header: 'case', numeric: false },
    { header: 'op', numeric: false },
    { header: 'row', numeric: false },
    { header: 'median ms', numeric: true },
    { header: 'min–max ms', numeric: true },
    { header: 'GB/s', numeric: true },
    ...references.map((name) => ({ header: `x ${name}`, numeric: true })),
    { header: 'note', numeric: false },
  ];
  let previous = '';
  const rows = report.rows.map((row) => {
    const group = `${caseText(row)} ${row.operation}`;
    const head = group === previous ? ['', ''] : [caseText(row), row.operation];
    previous = group;
    if (row.error !== undefined) return { row, cells: [...head, row.label, '-', '-', '-', ...references.map(() => '-'), row.error] };
    return {
      row,
      cells: [
        ...head,
        row.label,
        formatMs(row.medianMs),
        `${formatMs(row.minMs)}–${formatMs(row.maxMs)}`,
        row.gbPerSec.toPrecision(3),
        ...references.map((name) => (name === row.backend ? '1' : formatRatio(row.ratios[name]))),
        '',
      ],
    };
  });
  return { columns, rows };
}

/** The heading over a table: the processor and machine, the sampling, PyTorch's version. */
export function benchmarkHeading(report: Pick<BenchmarkReport, 'environment' | 'timing' | 'pytorch' | 'threads' | 'startedAt'>): string {
  const { minTimeMs, repeats, warmUpMs } = report.timing;
  const torch = report.pytorch ? `; PyTorch ${report.pytorch.version} on ${report.pytorch.threads} threads, OMP_WAIT_POLICY ${report.pytorch.ompWaitPolicy}` : '';
  return `Processor: ${environmentText(report.environment)}\nStarted ${report.startedAt}; ${warmUpMs} ms of warm-up, then ${repeats} samples of at least ${minTimeMs} ms per row; copy-2t on ${report.threads} threads${torch}`;
}

/** What the columns mean, printed under the table. */
export const BENCHMARK_LEGEND = [
  'GB/s counts the least bytes an operation must move per float32 element over the median time (inference 8: read x,',
  'write y; train 12: read x twice, write y; backward 20: read x and dy twice, write dx; 1 GB = 1e9 bytes).',
  'x NAME: NAME\'s median time over the row\'s (above 1 is faster). copy-1t copies the same bytes on one thread',
  '(Float32Array.set, the limit for plain arrays); copy-2t on two threads over shared memory (the limit for allocate() tensors).',
].join('\n');

/**
 * Formats a report as plain text: the heading naming the processor, an aligned table (text
 * left, numbers right), then what was skipped and why, the warnings, and the legend.
 */
export function formatBenchmarkTable(report: BenchmarkReport): string {
  const table = benchmarkTable(report);
  const lines = [table.columns.map((c) => c.header), ...table.rows.map((r) => r.cells)];
  const last = table.columns.length - 1;
  const widths = table.columns.map((_, i) => (i === last ? 0 : Math.max(...lines.map((cells) => [...(cells[i] ?? '')].length))));
  const text = lines.map((cells) =>
    cells
      .map((cell, i) => {
        const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length));
        return table.columns[i]?.numeric ? fill + cell : cell + fill;
      })
      .join('  ')
      .trimEnd(),
  );
  const skipped = report.skipped.map((s) => `skipped ${s.backend}: ${s.reason}`);
  const warnings = report.warnings.map((w) => `warning: ${w}`);
  return [benchmarkHeading(report), '', ...text, '', ...skipped, ...warnings, ...(skipped.length || warnings.length ? [''] : []), BENCHMARK_LEGEND].join('\n');
}
