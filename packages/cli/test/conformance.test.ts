import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldenCaseToNodeTest } from '@bnkit/onnx';
import { writeGoldenCaseNodeTest, writeNodeTestDirectory } from '@bnkit/onnx/node';
import { loadVectorFile } from '@bnkit/spec';
import { repoRoot, runBnkit } from './run-cli.js';

interface Vector {
  id: string;
  group: string;
  steps: { expected: { inference?: { y: number[] } } }[];
}

describe('bnkit conformance', () => {
  let dir: string;
  let out: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-vectors-'));
    out = await mkdtemp(join(tmpdir(), 'bnkit-conformance-'));
    const original = JSON.parse(await readFile(join(repoRoot, 'spec', 'vectors', 'nchw', 'pytorch', 'basic.json'), 'utf8')) as Vector;
    const copy: Vector = { ...original, id: 'extra/nchw-basic', group: 'extra-good' };
    const wrong: Vector = structuredClone({ ...original, id: 'extra/nchw-basic-wrong', group: 'extra-wrong' });
    const y = wrong.steps[0]?.expected.inference?.y;
    if (!y) throw new Error('the copied vector has no inference output to edit');
    y[0] = (y[0] as number) + 0.5;
    await writeFile(join(dir, 'copy.json'), JSON.stringify(copy));
    await writeFile(join(dir, 'wrong.json'), JSON.stringify(wrong));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  it('passes the reference backend on the shared suite and writes JSON', async () => {
    const json = join(out, 'report.json');
    const run = await runBnkit(['conformance', '--backend', 'reference', '--json', json]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^group\s+reference$/m);
    expect(run.stdout).toMatch(/^layouts\s+pass \d+ {2}max 0$/m);
    expect(run.stdout).toMatch(/^reference\s+pass \d+ {2}max 0\s+ok$/m);
    const report = JSON.parse(await readFile(json, 'utf8')) as { ok: boolean; backends: { name: string; ok: boolean; results: { status: string }[] }[] };
    expect(report.ok).toBe(true);
    expect(report.backends.map((b) => b.name)).toEqual(['reference']);
    expect(report.backends[0]?.results.length).toBeGreaterThan(50);
    expect(report.backends[0]?.results.every((r) => r.status === 'passed')).toBe(true);
  });

  it('runs extra vectors and fails on a wrong one, showing the failed cell', async () => {
    const run = await runBnkit(['conformance', '--backend', 'reference', '--vectors', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^extra-good\s+pass 3 {2}max 0$/m);
    expect(run.stdout).toMatch(/^extra-wrong\s+pass 2 · FAIL 1 {2}max [0-9.e+]+$/m);
    expect(run.stdout).toMatch(/^reference\s+.*FAILED \(1 unexpected\)$/m);
    expect(run.stdout).toMatch(/^reference\s+extra\/nchw-basic-wrong\s+inference\s+failed\s/m);
  });

  it('says "not supported" for ONNX node tests on a backend that cannot run them', async () => {
    const run = await runBnkit(['conformance', '--backend', 'reference', '--onnx-node-tests', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^onnx node tests\s+not supported$/m);
  });

  it('runs ONNX node tests on onnxruntime and fails on a wrong one', async () => {
    const root = join(out, 'node-tests');
    await mkdir(root);
    const golden = loadVectorFile(join(repoRoot, 'spec', 'vectors', 'nchw', 'onnx', 'defaults.json'));
    await writeGoldenCaseNodeTest(golden, join(root, 'test_good'));
    const wrong = goldenCaseToNodeTest(golden);
    const output = wrong.dataSets[0]?.outputs[0];
    if (!output) throw new Error('the node test has no output to edit');
    output.values = Float32Array.from(output.values as ArrayLike<number>, (v, i) => (i === 0 ? v + 1 : v));
    await writeNodeTestDirectory(wrong, join(root, 'test_wrong'));
    const run = await runBnkit(['conformance', '--backend', 'reference,onnxruntime', '--onnx-node-tests', root]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^onnx node tests\s+not supported\s+pass 1 · FAIL 1 {2}max abs 1$/m);
    expect(run.stdout).toMatch(/^onnxruntime\s+.*FAILED \(ONNX node tests\)$/m);
    expect(run.stdout).toMatch(/^onnxruntime {2}test_wrong: /m);
  });

  it('refuses extra vectors that reuse a shared id, with exit 2', async () => {
    const dup = await mkdtemp(join(tmpdir(), 'bnkit-dup-'));
    try {
      await writeFile(join(dup, 'dup.json'), await readFile(join(repoRoot, 'spec', 'vectors', 'nchw', 'pytorch', 'basic.json')));
      const run = await runBnkit(['conformance', '--backend', 'reference', '--vectors', dup]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('duplicate id "nchw/pytorch/basic"');
    } finally {
      await rm(dup, { recursive: true, force: true });
    }
  });
});
