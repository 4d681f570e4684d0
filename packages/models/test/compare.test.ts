import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllBackends, createReferenceBackend, registerBackend, unregisterBackend, type Backend, type BackendDescriptor } from '@bnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calibrationDataFromBatches,
  captureFromModel,
  compareCapture,
  ErrorAccumulator,
  float32UlpDistance,
  loadCapture,
  MODEL_ROW,
  type CalibrationTensor,
  type CapturedBatch,
  type CaptureSource,
  type ComparisonReport,
} from '../src/index.js';
import { batchDims, buildResnetModel, calibrationBatches, RESNET_BATCH_NORMS } from '../src/test-models.js';

const F32_EPSILON = 2 ** -23;

describe('float32UlpDistance', () => {
  it('counts the float32 values between two numbers, checked against hand-computed neighbours', () => {
    expect(float32UlpDistance(1, 1 + F32_EPSILON)).toBe(1);
    // Below 1 the spacing halves: 1 - 2^-24 is the float32 just under 1.
    expect(float32UlpDistance(1, 1 - 2 ** -24)).toBe(1);
    expect(float32UlpDistance(1 - 2 ** -24, 1 + F32_EPSILON)).toBe(2);
    // Every float32 in [1, 2) is 1 + k·2^-23.
    expect(float32UlpDistance(1, 2)).toBe(2 ** 23);
    expect(float32UlpDistance(0, -0)).toBe(0);
    // The smallest subnormals either side of zero are two steps apart.
    expect(float32UlpDistance(2 ** -149, -(2 ** -149))).toBe(2);
    // The largest finite float32 and infinity are neighbours.
    expect(float32UlpDistance(3.4028234663852886e38, Infinity)).toBe(1);
    // A float64 is rounded to float32 first: 1 + 2^-30 rounds to 1.
    expect(float32UlpDistance(1 + 2 ** -30, 1)).toBe(0);
    expect(float32UlpDistance(Number.NaN, 1)).toBeNaN();
  });
});

describe('ErrorAccumulator', () => {
  it('gives hand-computed statistics over two batches, with NaN and infinity counted apart', () => {
    const acc = new ErrorAccumulator();
    acc.add([1, 2, Number.NaN, Infinity], [1.5, 2, 3, Infinity]);
    acc.add([-4, 0.25], [-3, 0]);
    const s = acc.result();
    // Finite pairs: |1-1.5| = 0.5, 0, |-4+3| = 1, 0.25 (relative only where expected != 0: 1/3, 0, 1/3).
    // ULPs: -4 vs -3 is 2^22 steps of 2^-22; 0.25 vs 0 is every float32 from 0 to 2^-2, whose bits are 125 << 23.
    expect(s).toEqual({ count: 6, maxAbs: 1, maxRel: 1 / 3, meanAbs: 1.75 / 4, p99Abs: 1, maxUlp: 125 * 2 ** 23, nan: 1, inf: 1, nonFiniteMismatches: 1 });
    expect(float32UlpDistance(-4, -3)).toBe(2 ** 22);
  });

  it('takes the 99th percentile by nearest rank', () => {
    const acc = new ErrorAccumulator();
    acc.add(Float64Array.from({ length: 200 }, (_, i) => i + 1), new Float64Array(200));
    // Rank ceil(0.99 · 200) = 198 of the sorted errors 1..200.
    expect(acc.result().p99Abs).toBe(198);
  });
});

/** y = gamma · (x − mean) / sqrt(var + eps) + beta per channel of [N, C, ...], in plain float64 loops. */
function handBatchNorm(x: ArrayLike<number>, dims: readonly number[], gamma: ArrayLike<number>, beta: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, eps: number): Float64Array {
  const c = dims[1] as number;
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  return Float64Array.from(x, (v, i) => {
    const ch = Math.floor(i / inner) % c;
    return ((gamma[ch] as number) * (v - (mean[ch] as number))) / Math.sqrt((variance[ch] as number) + eps) + (beta[ch] as number);
  });
}

/** A source that hands out `base`'s batches after `edit` changed them. */
function edited(base: CaptureSource, nodes: CaptureSource['nodes'], edit: (batch: CapturedBatch) => void): CaptureSource {
  return {
    ...base,
    nodes,
    async read(i) {
      const batch = await base.read(i);
      edit(batch);
      return batch;
    },
  };
}

const BATCHES = calibrationBatches(2);
const data = () => calibrationDataFromBatches(BATCHES.map((b) => ({ input: { dataType: 'float32', dims: batchDims(b), data: b } as CalibrationTensor })));

/** A registered test backend: the float64 reference rounded to float32, NCHW only. */
const roundedReference: BackendDescriptor = {
  name: 'test-rounded-reference',
  packageName: '@bnkit/models (test)',
  precision: 'float32',
  role: 'backend',
  environments: ['node'],
  priority: 0,
  expectations: { backend: 'test-rounded-reference', expectedFailures: [], toleranceOverrides: [] },
  create(): Backend {
    const reference = createReferenceBackend();
    return {
      ...reference,
      name: 'test-rounded-reference',
      capabilities: { ...reference.capabilities, layouts: ['NCHW'], dtypes: ['float32'] },
      async inference(input) {
        return { y: Float32Array.from((await reference.inference(input)).y) };
      },
    };
  },
};

describe('compareBatchNormNodes on the ResNet-like model', () => {
  let source: CaptureSource;
  let baseline: ComparisonReport;
  beforeAll(async () => {
    registerBackend(roundedReference);
    source = await captureFromModel(buildResnetModel(), { data: data() });
    baseline = await compareCapture(source, { backends: ['test-rounded-reference'] });
  });
  afterAll(async () => {
    await source.release();
    await closeAllBackends();
    await unregisterBackend(roundedReference.name);
  });

  it('lists every BN node in graph order with ONNX Runtime and the backend compared on every value', () => {
    expect(baseline.nodes.map((n) => n.name)).toEqual(RESNET_BATCH_NORMS.map((bn) => bn.name));
    expect(baseline.engines).toEqual([MODEL_ROW, 'test-rounded-reference']);
    const first = baseline.nodes[0];
    expect(first?.shape).toEqual([4, 8, 8, 8]);
    // 4 + 3 samples of 8 channels of 8x8.
    expect(first?.rows[0]?.statistics?.count).toBe(7 * 8 * 64);
    expect(first?.producer).toBe('Conv');
    expect(baseline.nodes[6]?.producer).toBe('Gemm');
  });

  it("reports a backend equal to the rounded reference at 0 ULPs, and a layout it lacks as unsupported", () => {
    for (const node of baseline.nodes) {
      const row = node.rows[1];
      if (node.shape.length === 4) {
        expect(row?.status).toBe('compared');
        expect(row?.statistics?.maxUlp).toBe(0);
        expect(row?.statistics?.maxAbs).toBeGreaterThan(0);
      } else {
        expect(row).toMatchObject({ status: 'unsupported', reason: 'no NC layout' });
      }
    }
  });

  it('reports exactly the ULP distance put into one captured output, and flags that node as the worst', async () => {
    const target = 3;
    const info = source.nodes[target];
    const report = await compareCapture(
      edited(source, source.nodes, (batch) => {
        const node = batch.nodes[target];
        if (!info || !node) return;
        // The test's own float64 BN, rounded to float32, with one value moved 1000 float32 steps up.
        const y = Float32Array.from(handBatchNorm(node.x.data, node.x.dims, info.gamma ?? [], info.beta ?? [], info.mean ?? [], info.variance ?? [], info.eps));
        const bits = new Int32Array(y.buffer);
        bits[17] = (bits[17] as number) + ((y[17] as number) >= 0 ? 1000 : -1000);
        node.y = { dims: node.x.dims, data: y };
      }),
      { backends: [] },
    );
    const stats = report.nodes[target]?.rows[0]?.statistics;
    expect(stats?.maxUlp).toBe(1000);
    expect(report.worstOverall).toMatchObject({ engine: MODEL_ROW, order: target, maxUlp: 1000 });
    // Every other node keeps ONNX Runtime's own error.
    for (const node of report.nodes) if (node.order !== target) expect(node.rows[0]?.statistics).toEqual(baseline.nodes[node.order]?.rows[0]?.statistics);
  });

  it("reports the known shift when one node's mean is edited in the captured data", async () => {
    const target = 1;
    const channel = 5;
    const delta = 0.25;
    const info = source.nodes[target];
    if (!info?.mean || !info.gamma || !info.variance) throw new Error('the test model stores its statistics');
    const mean = Float32Array.from(info.mean);
    mean[channel] = (mean[channel] as number) + delta;
    const nodes = source.nodes.map((n, i) => (i === target ? { ...n, mean } : n));
    const report = await compareCapture(edited(source, nodes, () => undefined), { backends: [] });
    // ONNX Runtime normalised with the old mean: every value of the channel is off by gamma·delta/sqrt(var + eps).
    const shift = Math.abs((info.gamma[channel] as number) * delta) / Math.sqrt((info.variance[channel] as number) + info.eps);
    const stats = report.nodes[target]?.rows[0]?.statistics;
    expect(stats?.maxAbs).toBeCloseTo(shift, 5);
    expect(report.worstOverall?.order).toBe(target);
    for (const node of report.nodes) if (node.order !== target) expect(node.rows[0]?.statistics).toEqual(baseline.nodes[node.order]?.rows[0]?.statistics);
  });

  it('measures the fused model against the unfused one on every value of its output', () => {
    expect(baseline.fused.map((f) => f.output)).toEqual(['logits']);
    const logits = baseline.fused[0]?.statistics;
    expect(logits?.count).toBe(7 * 10);
    expect(logits?.nan).toBe(0);
    // Folding BN into Conv changes float32 rounding, not the function.
    expect(logits?.maxAbs).toBeLessThan(1e-3);
  });

  it('saves the capture and replays it without the model to the same report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bnkit-compare-'));
    try {
      const saved = await compareCapture(source, { backends: ['test-rounded-reference'], save: join(dir, 'capture') });
      const replayed = await compareCapture(await loadCapture(join(dir, 'capture')), { backends: ['test-rounded-reference'] });
      expect(replayed.origin).toEqual({ kind: 'saved', from: join(dir, 'capture') });
      expect({ ...replayed, origin: saved.origin }).toEqual(saved);
      await expect(compareCapture(source, { save: join(dir, 'capture') })).rejects.toThrow(/--save.*empty or absent folder/);
      await expect(loadCapture(dir)).rejects.toThrow(/--load.*manifest\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
