import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBnkit, type CliRun } from './run-cli.js';

describe('bnkit bench', () => {
  let dir: string;
  let run: CliRun;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-bench-'));
    run = await runBnkit([
      'bench',
      '--backend',
      'reference',
      '--shape',
      '2,3,4',
      '--layout',
      'NCL',
      '--min-time-ms',
      '1',
      '--repeats',
      '1',
      '--json',
      join(dir, 'bench.json'),
      '--html',
      join(dir, 'bench.html'),
    ]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a row per operation for the backend and the copy baseline', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Benchmark: shape [2, 3, 4] NCL (24 elements)');
    for (const op of ['inference', 'trainForward', 'backward']) {
      expect(run.stdout).toMatch(new RegExp(`^reference\\s+${op}\\s+[0-9.e-]+\\s+[0-9.e-]+\\s+[0-9.e-]+$`, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^copy\\s+${op}\\s+[0-9.e-]+\\s+[0-9.e-]+\\s+1$`, 'm'));
    }
  });

  it('shows plain progress lines on a non-terminal stderr', () => {
    expect(run.stderr).toMatch(/^\[\d+\/6\] bench reference backward$/m);
  });

  it('writes the rows as JSON, and only the final files', async () => {
    const document = JSON.parse(await readFile(join(dir, 'bench.json'), 'utf8')) as {
      shape: number[];
      layout: string;
      rows: { backend: string; operation: string; medianMs: number; gbPerSec: number }[];
    };
    expect(document.shape).toEqual([2, 3, 4]);
    expect(document.layout).toBe('NCL');
    const reference = document.rows.filter((row) => row.backend === 'reference');
    expect(reference.map((row) => row.operation)).toEqual(['inference', 'trainForward', 'backward']);
    for (const row of reference) expect(row.medianMs).toBeGreaterThan(0);
    expect(document.rows.filter((row) => row.backend === 'copy')).toHaveLength(3);
    expect((await readdir(dir)).sort()).toEqual(['bench.html', 'bench.json']);
  });

  it('writes a self-contained HTML bar chart with no URL but the SVG namespace', async () => {
    const html = await readFile(join(dir, 'bench.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<rect /g)).toHaveLength(6);
    const urls = html.match(/https?:\/\/[^\s"'<>]*/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
  });
});
