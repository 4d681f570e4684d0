import { describe, expect, it } from 'vitest';
import { runBnkit } from './run-cli.js';

const FAST = ['--min-time-ms', '1', '--repeats', '1'];

interface ChooseRow {
  backend: string;
  qualifies: boolean;
  totalMs: number;
}

/** Reads the rows of the choose table: backend, qualifies, then per-op times and the total. */
function chooseRows(stdout: string, opCount: number): ChooseRow[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => /^backend\s+qualifies/.test(line));
  const rows: ChooseRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '') break;
    const cells = line.split(/\s{2,}/);
    rows.push({ backend: cells[0] ?? '', qualifies: cells[1] === 'yes', totalMs: Number(cells[2 + opCount]) });
  }
  return rows;
}

function recommended(stdout: string): string | undefined {
  return /^Recommended: (\S+) /m.exec(stdout)?.[1];
}

describe('bnkit choose', () => {
  it('measures the qualifying backends and recommends the fastest of them', async () => {
    const run = await runBnkit(['choose', '--shape', '2,3,4', '--layout', 'NLC', '--need', 'inference,backward', ...FAST]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Choose a backend for shape [2, 3, 4] NLC (24 elements), need inference, backward');
    const rows = chooseRows(run.stdout, 2);
    expect(rows.map((r) => r.backend).sort()).toEqual(['cpu', 'onnxruntime', 'reference', 'tfjs-cpu', 'tfjs-wasm']);
    expect(rows.find((r) => r.backend === 'reference')?.qualifies).toBe(true);
    const qualifying = rows.filter((r) => r.qualifies);
    for (const row of qualifying) expect(row.totalMs).toBeGreaterThan(0);
    const fastest = qualifying.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
    expect(recommended(run.stdout)).toBe(fastest.backend);
  });
});

describe('bnkit main', () => {
  it('prints the conformance matrix of every backend and a recommendation', async () => {
    const run = await runBnkit(['main', '--shape', '2,3,4,4', ...FAST]);
    expect(run.stdout).toMatch(/^group\s+reference\s+cpu\s+tfjs-cpu\s+tfjs-wasm\s+onnxruntime$/m);
    expect(run.stdout).toMatch(/^reference\s+pass \d+ {2}max 0\s+ok$/m);
    expect(run.stdout).toContain('need inference, train, backward');
    expect(recommended(run.stdout)).toBeDefined();
    const failedStatus = /^\S+\s+.*FAILED \(/m.test(run.stdout);
    expect(run.code).toBe(failedStatus ? 1 : 0);
  });
});
