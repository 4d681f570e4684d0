import { describe, expect, it } from 'vitest';
import { TRUSTED_WINDOW_MS, trustWarnings, type BenchEnvironment, type BenchmarkRow } from '../src/index.js';

const idle: BenchEnvironment = { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', loadAverage: 0.1, memoryGiB: 8 };
const timing = { minTimeMs: 100, repeats: 7, slowCallMs: 250, warmUpMs: 300 };

function row(windowMs: number, error?: string): BenchmarkRow {
  return {
    label: 'cpu',
    kind: 'backend',
    backend: 'cpu',
    shape: [2, 3],
    layout: 'NC',
    operation: 'inference',
    minMs: 1,
    medianMs: 1,
    maxMs: 1,
    samples: [1],
    callsPerSample: 1,
    windowMs,
    gbPerSec: 1,
    ratios: {},
    ...(error ? { error } : {}),
  };
}

describe('trustWarnings', () => {
  it('says nothing of long windows, enough samples and an idle machine', () => {
    expect(trustWarnings([row(100), row(Number.NaN, 'unsupported')], timing, idle, 0.2)).toEqual([]);
  });

  it('warns of windows shorter than the trusted one, counting the rows', () => {
    const [warning] = trustWarnings([row(100), row(TRUSTED_WINDOW_MS / 4)], timing, idle, 0.2);
    expect(warning).toMatch(/^timing window too short to trust: 1 of 2 rows sampled over less than 20 ms \(shortest 5\.0 ms\)/);
  });

  it('warns of fewer than 3 samples and of a load average that reached the processor count at the start or the end', () => {
    expect(trustWarnings([row(100)], { ...timing, repeats: 2 }, idle, 0)).toEqual([expect.stringMatching(/^only 2 sample\(s\) per row/)]);
    expect(trustWarnings([row(100)], timing, { ...idle, loadAverage: 2.5 }, 0)).toEqual([expect.stringMatching(/^the machine was busy: load average 2\.5 on 2 CPUs/)]);
    expect(trustWarnings([row(100)], timing, idle, 3)).toHaveLength(1);
  });

  it('adds what a busy machine does to PyTorch when its OpenMP threads spin by default', () => {
    const busy = { ...idle, loadAverage: 4 };
    expect(trustWarnings([row(100)], timing, busy, 0, 'default')[0]).toMatch(/OMP_WAIT_POLICY=PASSIVE takes that out\.$/);
    expect(trustWarnings([row(100)], timing, busy, 0, 'PASSIVE')[0]).toMatch(/Read the numbers as indicative\.$/);
  });
});
