import { referenceTrainForward } from '@bnkit/core';
import { decodeModel, listBatchNormNodes } from '@bnkit/onnx';
import { describe, expect, it } from 'vitest';
import { applyRecalibration, calibrationDataFromBatches, computeRecalibration, type CalibrationTensor, type RecalibrationStatistics } from '../src/index.js';
import { batchDims, buildResnetModel, calibrationBatches, EPS, RESNET_BATCH_NORMS, runOutputs, type TestStatistics } from '../src/test-models.js';

const BATCHES = calibrationBatches(6);
const data = () => calibrationDataFromBatches(BATCHES.map((b) => ({ input: { dataType: 'float32', dims: batchDims(b), data: b } as CalibrationTensor })));

/** Population mean and biased variance per channel of [N, C, ...] tensors, by plain float64 loops. */
function population(tensors: readonly { data: Float32Array; dims: readonly number[] }[]): { mean: number[]; variance: number[] } {
  const c = tensors[0]?.dims[1] as number;
  const sums = new Array<number>(c).fill(0);
  const counts = new Array<number>(c).fill(0);
  const each = (visit: (ch: number, v: number) => void) => {
    for (const t of tensors) {
      const inner = t.dims.slice(2).reduce((a, b) => a * b, 1);
      t.data.forEach((v, i) => visit(Math.floor(i / inner) % c, v));
    }
  };
  each((ch, v) => {
    sums[ch] = (sums[ch] as number) + v;
    counts[ch] = (counts[ch] as number) + 1;
  });
  const mean = sums.map((s, ch) => s / (counts[ch] as number));
  const squares = new Array<number>(c).fill(0);
  each((ch, v) => {
    squares[ch] = (squares[ch] as number) + (v - (mean[ch] as number)) ** 2;
  });
  return { mean, variance: squares.map((s, ch) => s / (counts[ch] as number)) };
}

/** Asserts |actual − expected| <= tol · (|expected| + scale) elementwise. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, scale: ArrayLike<number> | number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const s = typeof scale === 'number' ? scale : (scale[i] as number);
    const bound = tol * (Math.abs(expected[i] as number) + s);
    expect(Math.abs((actual[i] as number) - (expected[i] as number)), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(bound);
  }
}

function writtenStatistics(bytes: Uint8Array): TestStatistics {
  return new Map(listBatchNormNodes(bytes).map((n) => [n.name, { mean: n.runningMean as Float32Array, variance: n.runningVar as Float32Array }]));
}

describe('recalibrate --mode eval on a ResNet-like model', () => {
  it('is a fixed point: the recalibrated model, run again, gives BN inputs whose population statistics are the written ones', async () => {
    const model = buildResnetModel();
    const stats = await computeRecalibration(model, { data: data(), mode: 'eval' });
    const { bytes, report } = applyRecalibration(model, stats);
    expect(report.written).toBe(7);
    const written = writtenStatistics(bytes);
    // The test's own model with the written statistics and every BN input as an output.
    const rerun = buildResnetModel({ statistics: written, captureInputs: true });
    const captures = await Promise.all(BATCHES.map((b) => runOutputs(rerun, b, RESNET_BATCH_NORMS.map((bn) => bn.x))));
    for (const bn of RESNET_BATCH_NORMS) {
      const expected = population(captures.map((c) => c[bn.x] as { data: Float32Array; dims: readonly number[] }));
      const got = written.get(bn.name) as { mean: Float32Array; variance: Float32Array };
      const sd = expected.variance.map(Math.sqrt);
      // The written values are float32: one rounding, 2^-24 relative, separates them from the float64 population statistics.
      expectClose(got.mean, expected.mean, 2e-7, sd, `${bn.name} mean`);
      expectClose(got.variance, expected.variance, 2e-7, 0, `${bn.name} variance`);
    }
    // The statistics moved: the stale ones were mean 0, variance 1.
    expect(Math.max(...report.nodes.map((n) => n.maxAbsShift ?? 0))).toBeGreaterThan(1);
  });

  it('runs one pass per BN level, with the strided block and its downsample BN in one pass, and executes each node about once per batch', async () => {
    const stats = await computeRecalibration(buildResnetModel(), { data: data(), mode: 'eval' });
    expect(stats.passes).toBe(6);
    expect(stats.nodes.map((n) => n.site.level)).toEqual([0, 1, 2, 3, 4, 3, 5]);
    expect(stats.nodeExecutions).toBeLessThanOrEqual(stats.modelNodes);
  });

  it('changes nothing but the BN statistics', async () => {
    const model = buildResnetModel();
    const { bytes } = applyRecalibration(model, await computeRecalibration(model, { data: data(), mode: 'eval' }));
    expect(bytes.length).toBe(model.length);
    const before = decodeModel(model);
    const after = decodeModel(bytes);
    expect(after.graph.nodes).toEqual(before.graph.nodes);
    const statNames = new Set(listBatchNormNodes(model).flatMap((n) => [n.inputNames.mean, n.inputNames.variance]));
    const changed = after.graph.initializers.filter((t, i) => JSON.stringify(Array.from(t.values as Float32Array)) !== JSON.stringify(Array.from(before.graph.initializers[i]?.values as Float32Array)));
    expect(new Set(changed.map((t) => t.name))).toEqual(statNames);
  });
});

describe('recalibrate --mode train on a ResNet-like model', () => {
  it('equals core reference cumulative averages (momentum null) over per-batch captures of a batch-statistics model', async () => {
    const model = buildResnetModel();
    const stats = await computeRecalibration(model, { data: data(), mode: 'train' });
    // The test's own train-mode model: every BN written out as plain ops normalising with batch statistics.
    const trainModel = buildResnetModel({ batchStatistics: true, captureInputs: true });
    const running = new Map<string, { runningMean: Float64Array; runningVar: Float64Array; numBatchesTracked: number }>();
    for (const batch of BATCHES) {
      const captured = await runOutputs(trainModel, batch, RESNET_BATCH_NORMS.map((bn) => bn.x));
      for (const bn of RESNET_BATCH_NORMS) {
        const x = captured[bn.x] as { data: Float32Array; dims: readonly number[] };
        const c = bn.channels;
        const before = running.get(bn.name) ?? { runningMean: new Float64Array(c), runningVar: new Float64Array(c).fill(1), numBatchesTracked: 0 };
        const out = referenceTrainForward({
          x: x.data,
          shape: [...x.dims],
          layout: bn.rank === 4 ? 'NCHW' : 'NC',
          gamma: new Float64Array(c).fill(1),
          beta: new Float64Array(c),
          ...before,
          options: { convention: 'pytorch', momentum: null, eps: EPS },
        });
        running.set(bn.name, { runningMean: out.runningMean as Float64Array, runningVar: out.runningVar as Float64Array, numBatchesTracked: before.numBatchesTracked + 1 });
      }
    }
    for (const node of stats.nodes) {
      const expected = running.get(node.site.name);
      expect(expected?.numBatchesTracked).toBe(6);
      const sd = Array.from(expected?.runningVar ?? [], Math.sqrt);
      // Two float32 models (BN inference node vs plain ops) agree to a few float32 roundings per layer.
      expectClose(node.mean, expected?.runningMean ?? [], 1e-5, sd, `${node.site.name} mean`);
      expectClose(node.variance, expected?.runningVar ?? [], 1e-5, 0, `${node.site.name} variance`);
    }
  });
});

it('leaves a model without BN nodes as it is, running nothing', async () => {
  const { encodeModel } = await import('@bnkit/onnx');
  const model = encodeModel(
    { name: 'relu', nodes: [{ opType: 'Relu', inputs: ['input'], outputs: ['out'] }], inputs: [{ name: 'input', dataType: 'float32', shape: ['N', 3, 8, 8] }], outputs: [{ name: 'out', dataType: 'float32', shape: ['N', 3, 8, 8] }] },
    { opset: 15 },
  );
  const stats = await computeRecalibration(model, { data: data(), mode: 'eval' });
  expect(stats).toMatchObject({ passes: 0, nodes: [] });
  expect(applyRecalibration(model, stats).bytes).toBe(model);
});

describe('a model whose answer is known by construction: the first BN reads the graph input', () => {
  // Channel c of the input holds the values of batch b; the first BN's statistics are those of the data itself.
  const expectedEval = population(BATCHES.map((b) => ({ data: b, dims: batchDims(b) })));
  const expectedTrain = (() => {
    const perBatch = BATCHES.map((b) => {
      const p = population([{ data: b, dims: batchDims(b) }]);
      const m = (batchDims(b)[0] as number) * 64;
      return { mean: p.mean, variance: p.variance.map((v) => (v * m) / (m - 1)) };
    });
    return {
      mean: [0, 1, 2].map((c) => perBatch.reduce((s, p) => s + (p.mean[c] as number), 0) / perBatch.length),
      variance: [0, 1, 2].map((c) => perBatch.reduce((s, p) => s + (p.variance[c] as number), 0) / perBatch.length),
    };
  })();

  async function firstNode(mode: 'train' | 'eval', opset = 15): Promise<RecalibrationStatistics['nodes'][number]> {
    const { encodeModel } = await import('@bnkit/onnx');
    const model = encodeModel(
      {
        name: 'input_bn',
        nodes: [
          { name: 'bn_in', opType: 'BatchNormalization', inputs: ['input', 'g', 'b', 'm', 'v'], outputs: ['normalised'], attributes: { epsilon: { float: EPS } } },
          { name: 'relu', opType: 'Relu', inputs: ['normalised'], outputs: ['out'] },
        ],
        inputs: [{ name: 'input', dataType: 'float32', shape: ['N', 3, 8, 8] }],
        outputs: [{ name: 'out', dataType: 'float32', shape: ['N', 3, 8, 8] }],
        initializers: [
          { name: 'g', dataType: 'float32', dims: [3], values: [1, 2, 3] },
          { name: 'b', dataType: 'float32', dims: [3], values: [0, 0, 0] },
          { name: 'm', dataType: 'float32', dims: [3], values: [0, 0, 0] },
          { name: 'v', dataType: 'float32', dims: [3], values: [1, 1, 1] },
        ],
      },
      { opset },
    );
    const stats = await computeRecalibration(model, { data: data(), mode });
    return stats.nodes[0] as RecalibrationStatistics['nodes'][number];
  }

  it('eval mode gives the population mean and biased variance of the data', async () => {
    const node = await firstNode('eval');
    expectClose(node.mean, expectedEval.mean, 1e-12, expectedEval.variance.map(Math.sqrt), 'mean');
    expectClose(node.variance, expectedEval.variance, 1e-12, 0, 'variance');
  });

  it.each([15, 18])('train mode gives the average over batches of the batch mean and the unbiased batch variance (opset %i)', async (opset) => {
    // From opset 18 ReduceMean takes its axes as an input: the batch-statistics graph follows.
    const node = await firstNode('train', opset);
    expectClose(node.mean, expectedTrain.mean, 1e-12, expectedTrain.variance.map(Math.sqrt), 'mean');
    expectClose(node.variance, expectedTrain.variance, 1e-12, 0, 'variance');
    // The last batch is smaller, so the batch average is not the population variance.
    expect(Math.abs((node.variance[0] as number) - (expectedEval.variance[0] as number))).toBeGreaterThan(1e-6);
  });
});
