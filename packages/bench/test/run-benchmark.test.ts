import { createReferenceBackend, LAYOUTS, type Backend } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { minimumBytes, runBenchmark, type BenchmarkRow } from '../src/index.js';

const quick = { minTimeMs: 1, repeats: 3, warmUpMs: 0 };

/** A reference backend that also allocates (plain arrays standing in for its own memory). */
function allocating(): Backend {
  return Object.assign(createReferenceBackend(), { allocate: (length: number) => new Float32Array(length), free: () => undefined });
}

/** A reference backend under another name that declares no NC layout. */
function withoutNc(): Backend {
  const backend = createReferenceBackend();
  return { ...backend, name: 'no-nc', capabilities: { ...backend.capabilities, layouts: LAYOUTS.filter((l) => l !== 'NC') }, inference: backend.inference, trainForward: backend.trainForward, backward: backend.backward };
}

function labels(rows: readonly BenchmarkRow[]): string[] {
  return rows.map((r) => r.label);
}

describe('runBenchmark', () => {
  it('times both copies, then each backend, three times for one that allocates, on every case and operation', async () => {
    const report = await runBenchmark({ backends: [allocating(), withoutNc()], cases: [{ shape: [4, 3], layout: 'NC' }], operations: ['inference', 'backward'], ...quick });
    const group = ['copy-1t', 'copy-2t', 'reference allocate()', 'reference Float32Array', 'reference Float32Array in', 'no-nc'];
    expect(labels(report.rows)).toEqual([...group, ...group]);
    expect(report.rows.map((r) => r.buffers)).toEqual([...Array(2).fill([undefined, undefined, 'allocate', 'plain', 'plain-inputs', 'plain'])].flat());
    expect(report.rows.map((r) => r.operation)).toEqual([...Array(6).fill('inference'), ...Array(6).fill('backward')]);
    const noNc = report.rows.filter((r) => r.backend === 'no-nc');
    expect(noNc.map((r) => r.error)).toEqual(['unsupported: layout NC', 'unsupported: layout NC']);
    expect(noNc[0]?.medianMs).toBeNaN();
  });

  it('keeps min, median and max per row, GB/s at the median, and ratios of the references\' median times', async () => {
    const report = await runBenchmark({ backends: [allocating()], cases: [{ shape: [2, 3, 4], layout: 'NCL' }], operations: ['trainForward'], ...quick });
    const [copy1, copy2, allocated, plain] = report.rows as BenchmarkRow[];
    for (const r of report.rows) {
      expect(r.samples).toHaveLength(3);
      expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
      expect(r.medianMs).toBeLessThanOrEqual(r.maxMs);
      expect(r.gbPerSec).toBeCloseTo(minimumBytes([2, 3, 4], 'trainForward') / (r.medianMs * 1e6), 9);
      expect(Object.keys(r.ratios)).toEqual(['copy-1t', 'copy-2t']);
    }
    expect(allocated?.buffers).toBe('allocate');
    expect(plain?.buffers).toBe('plain');
    expect(plain?.ratios['copy-1t']).toBeCloseTo((copy1?.medianMs as number) / (plain?.medianMs as number), 12);
    expect(copy2?.ratios['copy-2t']).toBe(1);
  });

  it('times only the allocate() buffers when plain arrays are not asked for, and only the baselines named', async () => {
    const report = await runBenchmark({ backends: [allocating()], cases: [{ shape: [4, 3], layout: 'NC' }], operations: ['inference'], plainArrays: false, baselines: ['copy-1t'], ...quick });
    expect(labels(report.rows)).toEqual(['copy-1t', 'reference']);
  });

  it('names the processor and the sampling, and warns that 1 ms windows are too short to trust', async () => {
    const report = await runBenchmark({ backends: [], cases: [{ shape: [4, 3], layout: 'NC' }], operations: ['inference'], ...quick });
    expect(report.environment.cpuModel).not.toBe('');
    expect(report.timing).toEqual({ minTimeMs: 1, repeats: 3, slowCallMs: 250, warmUpMs: quick.warmUpMs });
    expect(report.warnings.some((w) => w.startsWith('timing window too short to trust'))).toBe(true);
  });

  it('lists PyTorch as skipped, with the reason and how to install it, when the interpreter is missing', async () => {
    const report = await runBenchmark({ backends: [], cases: [{ shape: [4, 3], layout: 'NC' }], operations: ['inference'], pytorch: ['/nonexistent/python3'], skipped: [{ backend: 'tfjs-wasm', reason: 'no engine' }], ...quick });
    expect(labels(report.rows)).toEqual(['copy-1t', 'copy-2t']);
    expect(report.pytorch).toBeUndefined();
    expect(report.skipped).toEqual([
      { backend: 'tfjs-wasm', reason: 'no engine' },
      { backend: 'pytorch', reason: '/nonexistent/python3 not found (install it with apt-get install python3-torch or pip install torch)' },
    ]);
  });
});
