import { describe, expect, it } from 'vitest';
import { loadRegisteredBackends, registeredBackendNames } from '../src/backend-selection.js';
import { runBnkit } from './run-cli.js';

const FAST = ['--min-time-ms', '1', '--repeats', '1'];

interface ChooseRow {
  backend: string;
  qualifies: string;
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
    rows.push({ backend: cells[0] ?? '', qualifies: cells[1] ?? '', totalMs: Number(cells[2 + opCount]) });
  }
  return rows;
}

function recommended(stdout: string): string | undefined {
  return /^Recommended: (\S+) /m.exec(stdout)?.[1];
}

describe('bnkit choose', () => {
  it('measures the qualifying backends of every registered one by default and recommends the fastest, never the yardstick', async () => {
    const run = await runBnkit(['choose', '--shape', '2,3,4', '--layout', 'NLC', '--need', 'inference,backward', ...FAST]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Choose a backend for shape [2, 3, 4] NLC (24 elements), need inference, backward');
    const rows = chooseRows(run.stdout, 2);
    await loadRegisteredBackends();
    expect(rows.map((r) => r.backend).sort()).toEqual(registeredBackendNames().sort());
    expect(rows.find((r) => r.backend === 'reference')?.qualifies).toBe('yardstick');
    expect(run.stdout).not.toContain('float64 input');
    const qualifying = rows.filter((r) => r.qualifies === 'yes');
    expect(qualifying.length).toBeGreaterThan(0);
    for (const row of qualifying) expect(row.totalMs).toBeGreaterThan(0);
    const fastest = qualifying.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
    expect(recommended(run.stdout)).toBe(fastest.backend);
    expect(recommended(run.stdout)).not.toBe('reference');
  });

  it('recommends nothing when the yardstick is the only backend asked for', async () => {
    const run = await runBnkit(['choose', '--backend', 'reference', '--shape', '2,3', '--layout', 'NC', ...FAST]);
    expect(run.code).toBe(1);
    expect(chooseRows(run.stdout, 3).map((r) => [r.backend, r.qualifies])).toEqual([['reference', 'yardstick']]);
    expect(run.stdout).toContain('No backend qualifies');
  });
});

describe('bnkit main', () => {
  it('prints the conformance matrix of every backend and a recommendation', async () => {
    const run = await runBnkit(['main', '--shape', '2,3,4,4', ...FAST]);
    // The yardstick first, then every backend registered for Node by the registry's priority.
    await loadRegisteredBackends();
    const names = registeredBackendNames();
    expect(names.slice(0, 2)).toEqual(['reference', 'cpu']);
    expect(run.stdout).toMatch(new RegExp(`^group\\s+${names.join('\\s+')}$`, 'm'));
    expect(run.stdout).toMatch(/^reference\s+pass \d+ {2}max 0\s+ok$/m);
    expect(run.stdout).toContain('need inference, trainForward, backward');
    expect(recommended(run.stdout)).toBeDefined();
    const failedStatus = /^\S+\s+.*FAILED \(/m.test(run.stdout);
    expect(run.code).toBe(failedStatus ? 1 : 0);
  });
});
