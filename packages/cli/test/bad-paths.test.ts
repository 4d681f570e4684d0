import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBatchNormModel } from '@bnkit/onnx';
import { runBnkit, type CliRun } from './run-cli.js';

const stats = { gamma: [1, 2], beta: [0, 0.5], runningMean: [0.25, -1], runningVar: [1, 4], eps: 1e-5 };

/** A usage error (exit 2) naming `option`, without a temporary path, and nothing run or written. */
function expectUsageError(run: CliRun, option: string): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(`bnkit: ${option}`);
  expect(run.stderr).not.toContain('bnkit-tmp');
  expect(run.stdout).toBe('');
}

describe('bad paths and sizes on the command line are usage errors, found before any work', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-bad-paths-'));
    await writeFile(join(dir, 'stats.json'), JSON.stringify(stats));
    await writeFile(join(dir, 'model.onnx'), exportBatchNormModel(stats));
    await mkdir(join(dir, 'a-directory'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a --shape no tensor can have, naming --shape', async () => {
    const run = await runBnkit(['bench', '--backend', 'reference', '--shape', '100000,100000,100000,100000', '--repeats', '1']);
    expectUsageError(run, '--shape');
    expect(run.stderr).toContain('elements');
  });

  it('refuses --json and --html into a missing directory or onto a directory before benchmarking', async () => {
    const base = ['bench', '--backend', 'reference', '--shape', '2,3', '--layout', 'NC', '--repeats', '1'];
    const missing = await runBnkit([...base, '--json', join(dir, 'no-such-dir', 'out.json')]);
    expectUsageError(missing, '--json');
    expect(missing.stderr).toContain('does not exist');
    const onto = await runBnkit([...base, '--html', join(dir, 'a-directory')]);
    expectUsageError(onto, '--html');
    expect(onto.stderr).toContain('is a directory');
  });

  it('refuses conformance --json onto a directory, and --onnx-node-tests that is not a directory', async () => {
    expectUsageError(await runBnkit(['conformance', '--backend', 'reference', '--json', join(dir, 'a-directory')]), '--json');
    const nodeTests = await runBnkit(['conformance', '--backend', 'reference', '--onnx-node-tests', join(dir, 'nonexistent')]);
    expectUsageError(nodeTests, '--onnx-node-tests');
    expect(nodeTests.stderr).toContain('ENOENT');
  });

  it('refuses fold --out onto a directory or a FIFO, and leaves them as they were', async () => {
    expectUsageError(await runBnkit(['fold', join(dir, 'model.onnx'), '--out', join(dir, 'a-directory')]), '--out');
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const run = await runBnkit(['fold', join(dir, 'model.onnx'), '--out', fifo]);
    expectUsageError(run, '--out');
    expect(run.stderr).toContain('is a FIFO');
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect((await lstat(join(dir, 'a-directory'))).isDirectory()).toBe(true);
  });

  it('refuses export-onnx --out onto its own stats file and leaves the file as it was', async () => {
    const path = join(dir, 'stats.json');
    const before = await readFile(path, 'utf8');
    const run = await runBnkit(['export-onnx', '--stats', path, '--out', path]);
    expectUsageError(run, '--out');
    expect(run.stderr).toContain('--stats');
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('accepts a stats.json that starts with a UTF-8 byte-order mark', async () => {
    await writeFile(join(dir, 'bom.json'), `\uFEFF${JSON.stringify(stats)}`);
    const run = await runBnkit(['export-onnx', '--stats', join(dir, 'bom.json'), '--out', join(dir, 'bom.onnx')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(new Uint8Array(await readFile(join(dir, 'bom.onnx')))).toEqual(exportBatchNormModel(stats));
  });

  it('names the file of a deeply nested array under --vectors instead of overflowing the stack', async () => {
    const vectors = join(dir, 'deep-vectors');
    await mkdir(vectors);
    await writeFile(join(vectors, 'deep.json'), `${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
    const run = await runBnkit(['conformance', '--backend', 'reference', '--vectors', vectors]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('deep.json');
    expect(run.stderr).not.toContain('Maximum call stack');
    expect(run.stderr.length).toBeLessThan(1000);
  });

  it('refuses export-onnx values float32 cannot hold, naming the field and index', async () => {
    await writeFile(join(dir, 'huge.json'), JSON.stringify({ ...stats, gamma: [1, 1e39] }));
    const run = await runBnkit(['export-onnx', '--stats', join(dir, 'huge.json'), '--out', join(dir, 'huge.onnx')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('gamma[1] = 1e+39, which float32 stores as Infinity');
    await expect(lstat(join(dir, 'huge.onnx'))).rejects.toThrow();
  });
});
