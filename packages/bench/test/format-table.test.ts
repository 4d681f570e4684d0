import { describe, expect, it } from 'vitest';
import { benchmarkTable, formatBenchmarkTable, type BenchmarkReport, type BenchmarkRow } from '../src/index.js';

function row(label: string, kind: BenchmarkRow['kind'], medianMs: number, ratios: Record<string, number>, extra: Partial<BenchmarkRow> = {}): BenchmarkRow {
  return {
    label,
    kind,
    backend: label.split(' ')[0] as string,
    shape: [2, 3],
    layout: 'NC',
    operation: 'inference',
    minMs: medianMs * 0.5,
    medianMs,
    maxMs: medianMs * 2,
    samples: [medianMs * 0.5, medianMs, medianMs * 2],
    callsPerSample: 10,
    windowMs: 100,
    gbPerSec: 48 / (medianMs * 1e6),
    ratios,
    ...extra,
  };
}

const rows: BenchmarkRow[] = [
  row('copy-1t', 'baseline', 0.001, { 'copy-1t': 1, 'copy-2t': 2 }),
  row('copy-2t', 'baseline', 0.002, { 'copy-1t': 0.5, 'copy-2t': 1 }),
  row('cpu allocate()', 'backend', 0.004, { 'copy-1t': 0.25, 'copy-2t': 0.5 }, { buffers: 'allocate' }),
  {
    ...row('onnxruntime', 'backend', Number.NaN, {}),
    minMs: Number.NaN,
    maxMs: Number.NaN,
    samples: [],
    error: 'unsupported: layout NC',
  },
];

const report: BenchmarkReport = {
  rows,
  skipped: [{ backend: 'pytorch', reason: 'python3 has no torch' }],
  warnings: ['the machine was busy'],
  startedAt: '2026-01-01T00:00:00.000Z',
  environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', loadAverage: 0, memoryGiB: 8 },
  threads: 2,
  timing: { minTimeMs: 100, repeats: 3, slowCallMs: 250, warmUpMs: 300 },
};

describe('benchmarkTable', () => {
  it('has a ratio column per reference measured, and prints the case and operation once per group', () => {
    const table = benchmarkTable(report);
    expect(table.columns.map((c) => c.header)).toEqual(['case', 'op', 'row', 'median ms', 'min–max ms', 'GB/s', 'x copy-1t', 'x copy-2t', 'note']);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['2x3:NC', 'inference', 'copy-1t', '0.001', '0.0005–0.002', '0.0480', '1', '2.00', ''],
      ['', '', 'copy-2t', '0.002', '0.001–0.004', '0.0240', '0.50', '1', ''],
      ['', '', 'cpu allocate()', '0.004', '0.002–0.008', '0.0120', '0.25', '0.50', ''],
      ['', '', 'onnxruntime', '-', '-', '-', '-', '-', 'unsupported: layout NC'],
    ]);
  });

  it('adds a PyTorch column when PyTorch was measured', () => {
    const withTorch = benchmarkTable({ rows: [...rows, row('pytorch', 'pytorch', 0.008, { pytorch: 1 })] });
    expect(withTorch.columns.map((c) => c.header)).toContain('x pytorch');
  });
});

describe('formatBenchmarkTable', () => {
  it('names the processor, aligns numbers right, then lists what was skipped, the warnings and the legend', () => {
    const lines = formatBenchmarkTable(report).split('\n');
    expect(lines[0]).toBe('Processor: Test CPU, 2 CPUs, 8 GiB, Node v20.0.0 linux x64');
    expect(lines.slice(3, 8)).toEqual([
      'case    op         row             median ms    min–max ms    GB/s  x copy-1t  x copy-2t  note',
      '2x3:NC  inference  copy-1t             0.001  0.0005–0.002  0.0480          1       2.00',
      '                   copy-2t             0.002   0.001–0.004  0.0240       0.50          1',
      '                   cpu allocate()      0.004   0.002–0.008  0.0120       0.25       0.50',
      '                   onnxruntime             -             -       -          -          -  unsupported: layout NC',
    ]);
    expect(lines).toContain('skipped pytorch: python3 has no torch');
    expect(lines).toContain('warning: the machine was busy');
    expect(lines.join('\n')).toContain('backward 20');
  });
});
