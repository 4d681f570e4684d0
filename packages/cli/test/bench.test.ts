import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBnkit, type CliRun } from './run-cli.js';

const quick = ['--min-time-ms', '1', '--repeats', '1'];

describe('bnkit bench', () => {
  let dir: string;
  let run: CliRun;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-bench-'));
    run = await runBnkit(['bench', '--backend', 'reference', '--shape', '2,3,4', '--layout', 'NCL', ...quick, '--no-pytorch', '--json', join(dir, 'bench.json'), '--html', join(dir, 'bench.html')]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the processor and prints per operation both copy baselines and the backend, with spread and ratios', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Processor: .+, \d+ CPUs, \d+ GiB, Node v\d+/);
    expect(run.stdout).toMatch(/^case\s+op\s+row\s+median ms\s+min–max ms\s+GB\/s\s+x copy-1t\s+x copy-2t\s+note$/m);
    for (const op of ['inference', 'trainForward', 'backward']) {
      expect(run.stdout).toMatch(new RegExp(`^2x3x4:NCL\\s+${op}\\s+copy-1t\\s+[0-9.e-]+\\s+[0-9.e-]+–[0-9.e-]+\\s+[0-9.e+-]+\\s+1\\s+[0-9.]+$`, 'm'));
    }
    expect(run.stdout.match(/^\s+copy-2t\s+[0-9.e-]+\s+[0-9.e-]+–[0-9.e-]+\s+[0-9.e+-]+\s+[0-9.]+\s+1$/gm)).toHaveLength(3);
    expect(run.stdout.match(/^\s+reference\s+[0-9.e-]+\s+[0-9.e-]+–[0-9.e-]+\s+[0-9.e+-]+\s+[0-9.]+\s+[0-9.]+$/gm)).toHaveLength(3);
  });

  it('warns that 1 ms windows and single samples are too short to trust, and states backward\'s 20 bytes', () => {
    expect(run.stdout).toMatch(/^warning: timing window too short to trust: \d+ of 9 rows/m);
    expect(run.stdout).toMatch(/^warning: only 1 sample\(s\) per row/m);
    expect(run.stdout).toContain('backward 20');
  });

  it('writes every row with min, median and max to the JSON, and the processor', async () => {
    const document = JSON.parse(await readFile(join(dir, 'bench.json'), 'utf8')) as {
      environment: { cpuModel: string };
      rows: { label: string; kind: string; operation: string; minMs: number; medianMs: number; maxMs: number; ratios: Record<string, number> }[];
    };
    expect(document.environment.cpuModel).not.toBe('');
    expect(document.rows.map((row) => row.label)).toEqual(Array(3).fill(['copy-1t', 'copy-2t', 'reference']).flat());
    for (const row of document.rows) {
      expect(row.minMs).toBeGreaterThan(0);
      expect(row.minMs).toBeLessThanOrEqual(row.medianMs);
      expect(row.maxMs).toBeGreaterThanOrEqual(row.medianMs);
      expect(Object.keys(row.ratios)).toEqual(['copy-1t', 'copy-2t']);
    }
    expect((await readdir(dir)).sort()).toEqual(['bench.html', 'bench.json']);
  });

  it('writes a self-contained HTML page charting ms and GB/s with error bars, with no URL but the SVG namespace', async () => {
    const html = await readFile(join(dir, 'bench.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(6);
    expect(html.match(/<rect /g)).toHaveLength(18);
    expect(html.match(/class="spread"/g)).toHaveLength(18);
    const urls = html.match(/https?:\/\/[^\s"'<>]*/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
  });

  it('lists PyTorch as skipped with the reason when its interpreter is missing, and writes JSON to standard output with -', async () => {
    const piped = await runBnkit(['bench', '--backend', 'reference', '--shapes', '4x3:NC', '--op', 'inference', ...quick, '--python', '/nonexistent/python3', '--json', '-']);
    expect(piped.code).toBe(0);
    const document = JSON.parse(piped.stdout) as { skipped: { backend: string; reason: string }[]; rows: unknown[] };
    expect(document.skipped).toEqual([{ backend: 'pytorch', reason: expect.stringMatching(/^\/nonexistent\/python3 not found \(install it with apt-get install python3-torch/) }]);
    expect(document.rows).toHaveLength(3);
    expect(piped.stderr).toMatch(/^skipped pytorch: \/nonexistent\/python3 not found/m);
  });

  it('refuses a malformed --shapes and an unknown backend as usage errors', async () => {
    for (const bad of ['2x3x4:NCHW', '100000x100000x100000x100000:NCHW']) {
      const shapes = await runBnkit(['bench', '--shapes', bad, '--no-pytorch']);
      expect(shapes.code, bad).toBe(2);
      expect(shapes.stderr).toContain('bnkit: --shapes');
    }
    const backend = await runBnkit(['bench', '--backend', 'no-such-backend', '--shapes', '4x3:NC', '--no-pytorch', ...quick]);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/--backend.*no-such-backend/);
  });
});
