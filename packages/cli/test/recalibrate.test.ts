import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTensor, listBatchNormNodes } from '@bnkit/onnx';
import { batchDims, buildResnetModel, calibrationBatches } from '@bnkit/models/test';
import { runBnkit } from './run-cli.js';

describe('bnkit recalibrate on a ResNet-like model exported as PyTorch does (opset 15, BN kept)', () => {
  let dir: string;
  const model = () => join(dir, 'resnet.onnx');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-recalibrate-'));
    await writeFile(model(), buildResnetModel());
    await mkdir(join(dir, 'calib'));
    for (const [i, b] of calibrationBatches(5).entries()) {
      await writeFile(join(dir, 'calib', `batch-${i}.pb`), encodeTensor({ name: 'input', dataType: 'float32', dims: batchDims(b), values: b }));
    }
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('eval mode writes the model, a JSON and an HTML report, and prints the table', async () => {
    const run = await runBnkit(['recalibrate', model(), '--data', join(dir, 'calib'), '--out', join(dir, 'eval.onnx'), '--mode', 'eval', '--json', join(dir, 'eval.json'), '--html', join(dir, 'eval.html')]);
    expect(run.stderr).toContain('pass 6/6: 5/5 batches');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('mode eval: 5 batches, 6 pass(es)');
    expect(run.stdout).toContain('/layer2/0/downsample/1/BatchNormalization');
    expect(run.stdout).toContain('Wrote');
    const report = JSON.parse(await readFile(join(dir, 'eval.json'), 'utf8')) as { nodes: { name: string; newMean: number[]; written: boolean }[] };
    expect(report.nodes).toHaveLength(7);
    const written = listBatchNormNodes(new Uint8Array(await readFile(join(dir, 'eval.onnx'))));
    expect(written.map((n) => Array.from(n.runningMean ?? []))).toEqual(report.nodes.map((n) => n.newMean.map(Math.fround)));
    const html = await readFile(join(dir, 'eval.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('/fc_bn/BatchNormalization');
  });

  it('train mode shards merged give the same model as one run', async () => {
    const one = await runBnkit(['recalibrate', model(), '--data', join(dir, 'calib'), '--out', join(dir, 'train.onnx')]);
    expect(one.code).toBe(0);
    for (const k of [0, 1]) {
      const shard = await runBnkit(['recalibrate', model(), '--data', join(dir, 'calib'), '--shard', `${k}/2`, '--partial', join(dir, `part-${k}.json`)]);
      expect(shard.code).toBe(0);
      expect(shard.stdout).toContain(`shard ${k}/2, ${k === 0 ? 3 : 2} of 5 batches`);
    }
    const merged = await runBnkit(['recalibrate', model(), '--merge', join(dir, 'part-0.json'), join(dir, 'part-1.json'), '--out', join(dir, 'merged.onnx')]);
    expect(merged.code).toBe(0);
    const a = listBatchNormNodes(new Uint8Array(await readFile(join(dir, 'train.onnx'))));
    const b = listBatchNormNodes(new Uint8Array(await readFile(join(dir, 'merged.onnx'))));
    // float32 statistics: the merged float64 sums differ from one run's by float64 rounding at most.
    b.forEach((node, i) => {
      const ref = a[i]?.runningVar as Float32Array;
      (node.runningVar as Float32Array).forEach((v, c) => expect(Math.abs(v - (ref[c] as number))).toBeLessThanOrEqual(Math.abs(v) * 2 ** -23));
    });
  });

  it('refuses eval-mode shards and a missing --out as usage errors', async () => {
    const shard = await runBnkit(['recalibrate', model(), '--data', join(dir, 'calib'), '--mode', 'eval', '--shard', '0/2', '--partial', join(dir, 'p.json')]);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toContain('--shard: expected --mode train');
    const noOut = await runBnkit(['recalibrate', model(), '--data', join(dir, 'calib')]);
    expect(noOut.code).toBe(2);
  });

  it('inspect shows position, producer and source of each BN node', async () => {
    const run = await runBnkit(['inspect', model()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\/fc_bn\/BatchNormalization\s+22\s+Gemm\s+initializer float32\s+10/);
  });
});

describe('bnkit recalibrate output checks', () => {
  it('refuses a report path in a missing folder before any work, and a report that would overwrite the model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bnkit-recalibrate-paths-'));
    try {
      await writeFile(join(dir, 'm.onnx'), buildResnetModel());
      await mkdir(join(dir, 'calib'));
      const missing = await runBnkit(['recalibrate', join(dir, 'm.onnx'), '--data', join(dir, 'calib'), '--out', join(dir, 'o.onnx'), '--html', join(dir, 'no', 'r.html')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--html');
      const clobber = await runBnkit(['recalibrate', join(dir, 'm.onnx'), '--data', join(dir, 'calib'), '--out', join(dir, 'o.onnx'), '--json', join(dir, 'm.onnx')]);
      expect(clobber.code).toBe(2);
      expect(clobber.stderr).toContain('--json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
