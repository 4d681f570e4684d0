import { describe, expect, it } from 'vitest';
import { formatBenchmarkTable, median, type BenchmarkRow } from '../src/index.js';

const rows: BenchmarkRow[] = [
  { backend: 'copy', shape: [2, 3], layout: 'NC', operation: 'inference', medianMs: 0.5, gbPerSec: 10, ratioToCopy: 1 },
  { backend: 'cpu', shape: [2, 3], layout: 'NC', operation: 'inference', medianMs: 12.345, gbPerSec: 2.5, ratioToCopy: 0.25 },
  { backend: 'onnxruntime', shape: [2, 3], layout: 'NC', operation: 'backward', medianMs: Number.NaN, gbPerSec: Number.NaN, ratioToCopy: Number.NaN, error: 'unsupported: operation backward' },
];

describe('formatBenchmarkTable', () => {
  it('prints a header and one aligned line per row, numbers right-aligned', () => {
    const lines = formatBenchmarkTable({ rows }).split('\n');
    expect(lines).toEqual([
      'backend      shape  layout  operation  median ms   GB/s  x copy',
      'copy         [2,3]  NC      inference     0.5000  10.00    1.00',
      'cpu          [2,3]  NC      inference      12.35   2.50    0.25',
      'onnxruntime  [2,3]  NC      backward   unsupported: operation backward',
    ]);
  });

  it('lists backends that could not be loaded after the rows', () => {
    const text = formatBenchmarkTable({ rows: rows.slice(0, 1), unavailable: [{ backend: 'tfjs-wasm', reason: 'not available: no module' }] });
    expect(text.split('\n').at(-1)).toBe('tfjs-wasm: not available: no module');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
