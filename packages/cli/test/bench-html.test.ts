import type { BenchmarkReport, BenchmarkRow } from '@bnkit/bench';
import { describe, expect, it } from 'vitest';
import { benchHtml } from '../src/bench-html.js';

function row(label: string, kind: BenchmarkRow['kind'], medianMs: number, error?: string): BenchmarkRow {
  return {
    label,
    kind,
    backend: label,
    shape: [2, 3],
    layout: 'NC',
    operation: 'inference',
    minMs: medianMs / 2,
    medianMs,
    maxMs: medianMs * 2,
    samples: [medianMs / 2, medianMs, medianMs * 2],
    callsPerSample: 100,
    windowMs: 100,
    gbPerSec: 4 / medianMs,
    ratios: {},
    ...(error ? { error } : {}),
  };
}

const report: BenchmarkReport = {
  rows: [row('copy-1t', 'baseline', 1), row('pytorch', 'pytorch', 2), row('cpu', 'backend', 4), { ...row('<odd> & co', 'backend', Number.NaN), error: 'no <engine> & co' }],
  skipped: [{ backend: 'onnxruntime', reason: 'no <engine> & co' }],
  warnings: ['timing window too short to trust'],
  startedAt: '2026-01-01T00:00:00.000Z',
  environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', loadAverage: 0, memoryGiB: 8 },
  threads: 2,
  timing: { minTimeMs: 100, repeats: 3, slowCallMs: 250, warmUpMs: 300 },
};

describe('benchHtml', () => {
  const html = benchHtml(report);

  it('charts milliseconds and GB/s for each case and operation, one bar per measured row', () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('median ms, lower is faster');
    expect(html).toContain('GB/s, higher is faster');
    expect(html.match(/<rect /g)).toHaveLength(6);
    expect(html.match(/class="baseline"/g)).toHaveLength(2);
    expect(html.match(/class="pytorch"/g)).toHaveLength(2);
  });

  it('scales bars to the largest error-bar end and draws the spread from the fastest to the slowest sample', () => {
    // The ms chart's scale is cpu's slowest sample, 8 ms: cpu's median (4 ms) is half the 300 px axis.
    expect(html).toContain('<rect x="170" y="54" width="150.0"');
    // Its error bar spans 2 ms to 8 ms: 75 px to 300 px after the 170 px label column.
    expect(html).toContain('M245.0 63H470.0');
    // GB/s: copy-1t's 4 GB/s spans 2 to 8 (from its slowest and fastest samples); 8 is the scale.
    expect(html).toContain('4.00 GB/s (2.00–8.00)');
  });

  it('names the processor, lists what was skipped and the warnings, escapes text and fetches nothing', () => {
    expect(html).toContain('Processor: Test CPU, 2 CPUs');
    expect(html).toContain('skipped onnxruntime: no &#60;engine&#62; &#38; co');
    expect(html).toContain('warning: timing window too short to trust');
    expect(html).toContain('error: no &#60;engine&#62; &#38; co');
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:|<script|<link|src=|url\(/i);
  });
});
