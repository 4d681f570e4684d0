import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTensor } from '@bnkit/onnx';
import { batchDims, buildResnetModel, calibrationBatches } from '@bnkit/models/test';
import { runBnkit } from './run-cli.js';

interface JsonReport {
  engines: string[];
  nodes: { name: string; rows: { engine: string; status: string; statistics: { count: number; maxUlp: number } | null }[] }[];
  worstOverall: { label: string } | null;
  fused: { output: string }[];
}

describe('bnkit compare on a ResNet-like model exported as PyTorch does (opset 15, BN kept)', () => {
  let dir: string;
  const model = () => join(dir, 'resnet.onnx');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-compare-'));
    await writeFile(model(), buildResnetModel());
    await mkdir(join(dir, 'data'));
    for (const [i, b] of calibrationBatches(2).entries()) {
      await writeFile(join(dir, 'data', `batch-${i}.pb`), encodeTensor({ name: 'input', dataType: 'float32', dims: batchDims(b), values: b }));
    }
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('compares every node with every registered backend, writes JSON, HTML and a capture that --load replays', async () => {
    const run = await runBnkit(['compare', model(), '--data', join(dir, 'data'), '--json', join(dir, 'compare.json'), '--html', join(dir, 'compare.html'), '--save', join(dir, 'capture')]);
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('7 BN nodes, 2 batch(es) of the given data');
    expect(run.stdout).toContain('/layer2/0/downsample/1/BatchNormalization');
    expect(run.stdout).toMatch(/Worst node: /);
    const report = JSON.parse(await readFile(join(dir, 'compare.json'), 'utf8')) as JsonReport;
    expect(report.nodes).toHaveLength(7);
    // ONNX Runtime inside the model, then every registered backend that opened here; never the yardstick.
    expect(report.engines[0]).toBe('onnxruntime-node (in the model)');
    expect(report.engines).toContain('cpu');
    expect(report.engines).not.toContain('reference');
    const cpu = report.nodes[0]?.rows.find((r) => r.engine === 'cpu');
    expect(cpu?.status).toBe('compared');
    expect(cpu?.statistics?.count).toBe(7 * 8 * 64);
    expect(report.fused.map((f) => f.output)).toEqual(['logits']);
    expect(await readFile(join(dir, 'compare.html'), 'utf8')).toContain('<svg');
    const replay = await runBnkit(['compare', '--load', join(dir, 'capture'), '--backend', 'cpu', '--json', '-']);
    expect(replay.code).toBe(0);
    const replayed = JSON.parse(replay.stdout) as JsonReport;
    expect(replayed.engines).toEqual(['onnxruntime-node (in the model)', 'cpu']);
    expect(replayed.nodes.map((n) => n.rows.map((r) => r.statistics))).toEqual(report.nodes.map((n) => n.rows.filter((r) => replayed.engines.includes(r.engine)).map((r) => r.statistics)));
    expect(replay.stderr).toContain('the capture saved in');
  });

  it('runs on seeded random inputs without --data, and refuses a model together with --load', async () => {
    const run = await runBnkit(['compare', model(), '--backend', 'cpu', '--seed', '3']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 batch(es) of seeded random inputs (seed 3)');
    const both = await runBnkit(['compare', model(), '--load', dir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--load');
  });
});
