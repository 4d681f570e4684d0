import { encodeTensor, listBatchNormNodes } from '@bnkit/onnx';
import { dump } from 'npyjs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationDataFromBatches, checkPartial, computeRecalibration, mergePartials, recalibrateFile, toPartial, type CalibrationTensor } from '../src/index.js';
import { batchDims, buildResnetModel, calibrationBatches } from '../src/test-models.js';

const BATCHES = calibrationBatches(7);
const data = () => calibrationDataFromBatches(BATCHES.map((b) => ({ input: { dataType: 'float32', dims: batchDims(b), data: b } as CalibrationTensor })));

describe('train mode shards', () => {
  it('merged shards give the statistics of one run over all batches', async () => {
    const model = buildResnetModel();
    const whole = await computeRecalibration(model, { data: data(), mode: 'train' });
    const partials = [];
    for (let index = 0; index < 3; index++) {
      const shard = { index, count: 3 };
      const stats = await computeRecalibration(model, { data: data(), mode: 'train', shard });
      expect(stats.batches).toBe([3, 2, 2][index]);
      // Through JSON, as the files carry them.
      partials.push(checkPartial(JSON.parse(JSON.stringify(toPartial(model, stats, shard))), `shard ${index}`));
    }
    const merged = mergePartials(model, partials.reverse());
    expect(merged.batches).toBe(7);
    merged.nodes.forEach((node, i) => {
      const one = whole.nodes[i];
      expect(node.site.name).toBe(one?.site.name);
      // The same sums added in another order: equal to a few float64 roundings.
      node.mean.forEach((m, c) => expect(Math.abs(m - (one?.mean[c] as number))).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(m))));
      node.variance.forEach((v, c) => expect(Math.abs(v - (one?.variance[c] as number))).toBeLessThanOrEqual(1e-13 * v));
    });
  });

  it('refuses an incomplete set of shards, a shard twice, or shards of another model', async () => {
    const model = buildResnetModel();
    const partial = (index: number) => computeRecalibration(model, { data: data(), shard: { index, count: 2 } }).then((s) => toPartial(model, s, { index, count: 2 }));
    const [p0, p1] = [await partial(0), await partial(1)];
    expect(() => mergePartials(model, [p0])).toThrow(/shards 1 missing/);
    expect(() => mergePartials(model, [p0, p0])).toThrow(/shard 0 again/);
    const other = buildResnetModel({ statistics: new Map([['/bn1/BatchNormalization', { mean: new Float32Array(8).fill(1), variance: new Float32Array(8).fill(2) }]]) });
    expect(() => mergePartials(other, [p0, p1])).toThrow(/partial statistics of this model/);
  });

  it('eval mode cannot be sharded', async () => {
    await expect(computeRecalibration(buildResnetModel(), { data: data(), mode: 'eval', shard: { index: 0, count: 2 } })).rejects.toThrow(/train mode/);
  });
});

describe('calibration folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-models-'));
    await writeFile(join(dir, 'model.onnx'), buildResnetModel());
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function folder(name: string, files: Record<string, Uint8Array>): Promise<string> {
    const path = join(dir, name);
    await mkdir(path, { recursive: true });
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(path, file), bytes);
    return path;
  }
  const npy = (b: Float32Array | Float64Array, dims: number[]) => new Uint8Array(dump(b, dims));

  it('reads .npy and .pb batches in name order and gives what in-memory batches give', async () => {
    const [a, b, c] = BATCHES as [Float32Array, Float32Array, Float32Array];
    const path = await folder('mixed', {
      '0-a.npy': npy(a, batchDims(a)),
      '1-b.pb': encodeTensor({ name: 'input', dataType: 'float32', dims: batchDims(b), values: b }),
      '2-c.npy': npy(c, batchDims(c)),
    });
    const out = join(dir, 'mixed.onnx');
    const { report } = await recalibrateFile({ model: join(dir, 'model.onnx'), data: path, out, mode: 'eval' });
    const expected = await computeRecalibration(buildResnetModel(), {
      data: calibrationDataFromBatches([a, b, c].map((x) => ({ input: { dataType: 'float32', dims: batchDims(x), data: x } }))),
      mode: 'eval',
    });
    expect(report?.nodes.map((n) => n.newMean)).toEqual(expected.nodes.map((n) => Array.from(n.mean)));
    expect(listBatchNormNodes(new Uint8Array(await readFile(out)))[0]?.runningMean).toEqual(Float32Array.from(expected.nodes[0]?.mean ?? []));
  });

  it('names the file whose dtype or shape does not fit, before writing anything', async () => {
    const [a] = BATCHES as [Float32Array];
    const wrongType = await folder('wrong-type', { '0.npy': npy(a, batchDims(a)), '1.npy': npy(Float64Array.from(a), batchDims(a)) });
    const wrongShape = await folder('wrong-shape', { '0.npy': npy(a, batchDims(a)), '1.npy': npy(a, [batchDims(a)[0] as number, 3, 4, 16]) });
    const out = join(dir, 'never.onnx');
    await expect(recalibrateFile({ model: join(dir, 'model.onnx'), data: wrongType, out })).rejects.toThrow(/wrong-type\/1\.npy: expected float32 data for model input "input", got float64 data/);
    await expect(recalibrateFile({ model: join(dir, 'model.onnx'), data: wrongShape, out })).rejects.toThrow(/wrong-shape\/1\.npy: expected a tensor of shape \[N, 3, 8, 8\].*got shape \[4, 3, 4, 16\]/);
    await expect(stat(out)).rejects.toThrow();
  });
});
