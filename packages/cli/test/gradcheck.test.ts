import { describe, expect, it } from 'vitest';
import { runBnkit } from './run-cli.js';

describe('bnkit gradcheck', () => {
  it('passes the reference backward on every layout and states the tolerance', async () => {
    const run = await runBnkit(['gradcheck', '--backend', 'reference', '--cases', '7', '--seed', '3']);
    expect(run.code).toBe(0);
    for (const layout of ['NC ', 'NCL ', 'NCHW ', 'NLC ', 'NHWC ', 'NCDHW ', 'NDHWC ']) expect(run.stdout).toContain(layout);
    expect(run.stdout.match(/ pass$/gm)).toHaveLength(7);
    expect(run.stdout).toContain('float64 backends: abs 1e-6, rel 1e-5');
    expect(run.stdout).toContain('float32 backends: abs 1e-5, rel 1e-4');
  });

  it('gives the same cases for the same seed', async () => {
    const [a, b] = await Promise.all([
      runBnkit(['gradcheck', '--backend', 'reference', '--cases', '3', '--seed', '9']),
      runBnkit(['gradcheck', '--backend', 'reference', '--cases', '3', '--seed', '9']),
    ]);
    expect(a.stdout).toBe(b.stdout);
  });
});
