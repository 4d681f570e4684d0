import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '@bnkit/onnx';
import { runBnkit } from './run-cli.js';

const stats = { gamma: [1, 2, 0.5], beta: [0, 0.1, -1], runningMean: [0.5, -2, 3], runningVar: [1, 4, 0.25], eps: 1e-3 };

describe('bnkit export-onnx, inspect and fold', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-onnx-'));
    await writeFile(join(dir, 'stats.json'), JSON.stringify(stats));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips statistics through export-onnx and inspect --json -', async () => {
    const exported = await runBnkit(['export-onnx', '--stats', join(dir, 'stats.json'), '--out', join(dir, 'bn.onnx'), '--opset', '14', '--layout', 'NHWC']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('3 channels, opset 14, layout NHWC');
    const inspected = await runBnkit(['inspect', join(dir, 'bn.onnx'), '--json', '-']);
    expect(inspected.code).toBe(0);
    const report = JSON.parse(inspected.stdout) as {
      opset: number;
      inputs: { shape: (string | number)[] }[];
      batchNorms: { channels: number; eps: number; layout: string; gamma: number[]; beta: number[]; runningMean: number[]; runningVar: number[] }[];
    };
    expect(report.opset).toBe(14);
    expect(report.inputs[0]?.shape).toHaveLength(4);
    expect(report.batchNorms).toHaveLength(1);
    const bn = report.batchNorms[0];
    const f32 = (values: number[]) => values.map((v) => Math.fround(v));
    expect(bn).toMatchObject({ channels: 3, layout: 'NHWC', eps: Math.fround(1e-3) });
    expect(bn?.gamma).toEqual(f32(stats.gamma));
    expect(bn?.beta).toEqual(f32(stats.beta));
    expect(bn?.runningMean).toEqual(f32(stats.runningMean));
    expect(bn?.runningVar).toEqual(f32(stats.runningVar));
  });

  it('prints a readable summary without --json', async () => {
    const run = await runBnkit(['inspect', join(dir, 'bn.onnx')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('opset 14');
    expect(run.stdout).toMatch(/^bn\s+1\s+Transpose\s+initializer float32\s+3\s+0\.001\s+-\s+no\s+NHWC\s+0\.5 \.\. 2\s+-1 \.\. 0\.1\s+-2 \.\. 3\s+0\.25 \.\. 4$/m);
  });

  it('folds a BatchNormalization after a Conv into its weights and bias', async () => {
    // Conv 1x1 with 3 output channels over 2 input channels, then BN: W' = W * g / s, B' = (B - m) * g / s + b.
    const weights = [1, 2, -1, 0.5, 3, -2];
    const bias = [0.1, 0.2, 0.3];
    const model = encodeModel(
      {
        name: 'conv-bn',
        nodes: [
          { opType: 'Conv', name: 'conv', inputs: ['X', 'W', 'B'], outputs: ['H'], attributes: { kernel_shape: { ints: [1, 1] } } },
          { opType: 'BatchNormalization', name: 'bn', inputs: ['H', 'gamma', 'beta', 'mean', 'var'], outputs: ['Y'], attributes: { epsilon: { float: stats.eps } } },
        ],
        inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 2, 4, 4] }],
        outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 3, 4, 4] }],
        initializers: [
          { name: 'W', dataType: 'float32', dims: [3, 2, 1, 1], values: Float32Array.from(weights) },
          { name: 'B', dataType: 'float32', dims: [3], values: Float32Array.from(bias) },
          { name: 'gamma', dataType: 'float32', dims: [3], values: Float32Array.from(stats.gamma) },
          { name: 'beta', dataType: 'float32', dims: [3], values: Float32Array.from(stats.beta) },
          { name: 'mean', dataType: 'float32', dims: [3], values: Float32Array.from(stats.runningMean) },
          { name: 'var', dataType: 'float32', dims: [3], values: Float32Array.from(stats.runningVar) },
        ],
      },
      { opset: 15 },
    );
    await writeFile(join(dir, 'conv-bn.onnx'), model);
    const run = await runBnkit(['fold', join(dir, 'conv-bn.onnx'), '--out', join(dir, 'folded.onnx')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 BatchNormalization node(s) folded, 0 left in place');
    const folded = decodeModel(new Uint8Array(await readFile(join(dir, 'folded.onnx'))));
    expect(folded.graph.nodes.map((n) => n.opType)).toEqual(['Conv']);
    const conv = folded.graph.nodes[0];
    const valuesOf = (name: string | undefined) => Array.from(folded.graph.initializers.find((t) => t.name === name)?.values as ArrayLike<number>);
    const scale = stats.gamma.map((g, c) => g / Math.sqrt(Math.fround(stats.runningVar[c] as number) + Math.fround(stats.eps)));
    const expectedW = weights.map((w, i) => w * (scale[Math.floor(i / 2)] as number));
    const expectedB = bias.map((b, c) => (b - (stats.runningMean[c] as number)) * (scale[c] as number) + (stats.beta[c] as number));
    valuesOf(conv?.inputs[1]).forEach((w, i) => expect(w).toBeCloseTo(expectedW[i] as number, 5));
    valuesOf(conv?.inputs[2]).forEach((b, i) => expect(b).toBeCloseTo(expectedB[i] as number, 5));
  });

  it('refuses an opset the exporter does not write with exit 2', async () => {
    const run = await runBnkit(['export-onnx', '--stats', join(dir, 'stats.json'), '--out', join(dir, 'x.onnx'), '--opset', '12']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--opset: expected one of 9, 14, 15, got 12');
  });

  it('names the file and field of a malformed statistics file', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...stats, runningVar: [1, -4, 0.25] }));
    const run = await runBnkit(['export-onnx', '--stats', join(dir, 'bad.json'), '--out', join(dir, 'x.onnx')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('runningVar');
  });
});
