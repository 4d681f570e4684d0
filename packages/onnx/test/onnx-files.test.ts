import { BnShapeError, BnValueError } from '@bnkit/core';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchNormNodesToJson,
  encodeModel,
  exportBatchNormModel,
  exportOnnxFromStatsFile,
  foldOnnxFile,
  inspectOnnxFile,
  OnnxFormatError,
  parseStats,
  parseStatsText,
  replaceStatisticsInFile,
} from '../src/index.js';

const stats = { gamma: [1, 2], beta: [0.5, -0.5], runningMean: [0.25, 4], runningVar: [1.5, 0.125], eps: 1e-5 };

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bnkit-onnx-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

describe('parseStats', () => {
  it('accepts the stats.json fields, with optional convention and momentum', () => {
    expect(parseStats(stats)).toEqual(stats);
    expect(parseStats({ ...stats, convention: 'keras', momentum: 0.99 }).convention).toBe('keras');
  });

  it('names the field, the expectation and what was found', () => {
    const { gamma: _, ...noGamma } = stats;
    expect(() => parseStats(noGamma, 'my.json')).toThrow(/my\.json: gamma: expected an array of numbers, got missing/);
    expect(() => parseStats({ ...stats, eps: undefined })).toThrow(/eps/);
    expect(() => parseStats({ ...stats, beta: [1, 2, 3] })).toThrow(BnShapeError);
    expect(() => parseStats({ ...stats, runningVar: [1, -1] })).toThrow(/runningVar\[1\] = -1/);
    expect(() => parseStats({ ...stats, gamma: [1, '2'] })).toThrow(/gamma\[1\] = "2"/);
    expect(() => parseStats({ ...stats, convention: 'caffe' })).toThrow(/convention/);
    expect(() => parseStats({ ...stats, momentum: 2 })).toThrow(/momentum/);
    expect(() => parseStats({ ...stats, runningvar: [1, 1] })).toThrow(/unknown field "runningvar"/);
    expect(() => parseStats([1, 2])).toThrow(BnValueError);
    expect(() => parseStatsText('{"gamma": [1,', 'bad.json')).toThrow(/bad\.json: expected JSON text/);
  });
});

describe('file functions', () => {
  it('export-onnx writes the model, and inspect reads the same numbers back', async () => {
    const statsPath = join(dir, 'stats.json');
    await writeFile(statsPath, JSON.stringify(stats));
    const out = join(dir, 'bn.onnx');
    const bytes = await exportOnnxFromStatsFile({ stats: statsPath, out, opset: 14, layout: 'NLC' });
    expect(new Uint8Array(await readFile(out))).toEqual(bytes);
    expect(bytes).toEqual(exportBatchNormModel(stats, { opset: 14, layout: 'NLC' }));
    const [node] = batchNormNodesToJson(await inspectOnnxFile(out));
    expect(node).toMatchObject({
      name: 'bn', index: 1, channels: 2, layout: 'NLC', eps: Math.fround(1e-5), momentum: null, trainingMode: false, order: 0,
      gamma: stats.gamma, beta: stats.beta, runningMean: stats.runningMean, runningVar: stats.runningVar,
    });
  });

  it('leaves the output absent or unchanged when anything fails', async () => {
    const bad = join(dir, 'bad-stats.json');
    await writeFile(bad, JSON.stringify({ ...stats, runningMean: [1] }));
    const absent = join(dir, 'never.onnx');
    await expect(exportOnnxFromStatsFile({ stats: bad, out: absent })).rejects.toThrow(/runningMean/);
    expect(await exists(absent)).toBe(false);
    await expect(exportOnnxFromStatsFile({ stats: join(dir, 'missing.json'), out: absent })).rejects.toThrow(BnValueError);

    const good = exportBatchNormModel(stats);
    const existing = join(dir, 'existing.onnx');
    await writeFile(existing, Uint8Array.from([1, 2, 3]));
    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, new TextEncoder().encode('not a model at all'));
    const truncated = join(dir, 'truncated.onnx');
    await writeFile(truncated, good.subarray(0, good.length - 10));
    for (const input of [garbage, truncated]) {
      await expect(foldOnnxFile({ input, out: existing })).rejects.toThrow(OnnxFormatError);
      await expect(replaceStatisticsInFile({ input, out: existing, updates: [{ node: 'bn', eps: 1 }] })).rejects.toThrow(OnnxFormatError);
      await expect(inspectOnnxFile(input)).rejects.toThrow(OnnxFormatError);
      await expect(foldOnnxFile({ input, out: absent })).rejects.toThrow(OnnxFormatError);
    }
    const model = join(dir, 'model.onnx');
    await writeFile(model, good);
    await expect(replaceStatisticsInFile({ input: model, out: existing, updates: [{ node: 'missing', eps: 1 }] })).rejects.toThrow(/missing/);
    await expect(replaceStatisticsInFile({ input: model, out: existing, updates: [{ node: 'bn', gamma: [1, 2, 3] }] })).rejects.toThrow(BnShapeError);
    expect(new Uint8Array(await readFile(existing))).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await exists(absent)).toBe(false);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces statistics in place and folds into a new file', async () => {
    const model = join(dir, 'in-place.onnx');
    await writeFile(model, exportBatchNormModel(stats));
    await replaceStatisticsInFile({ input: model, out: model, updates: [{ node: 'bn', runningMean: [7, 8] }] });
    expect(Array.from((await inspectOnnxFile(model))[0]?.runningMean ?? [])).toEqual([7, 8]);
    const conv = encodeModel(
      {
        name: 'c',
        nodes: [
          { opType: 'Conv', inputs: ['X', 'W'], outputs: ['c'], attributes: { kernel_shape: { ints: [1] } } },
          { opType: 'BatchNormalization', name: 'bn', inputs: ['c', 's', 'b', 'm', 'v'], outputs: ['Y'] },
        ],
        inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 1, 'L'] }],
        outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 2, 'L'] }],
        initializers: [
          { name: 'W', dataType: 'float32', dims: [2, 1, 1], values: [1, 2] },
          { name: 's', dataType: 'float32', dims: [2], values: [2, 3] },
          { name: 'b', dataType: 'float32', dims: [2], values: [1, 1] },
          { name: 'm', dataType: 'float32', dims: [2], values: [0, 1] },
          { name: 'v', dataType: 'float32', dims: [2], values: [4, 9] },
        ],
      },
      { opset: 15 },
    );
    const input = join(dir, 'conv.onnx');
    await writeFile(input, conv);
    const out = join(dir, 'folded.onnx');
    const result = await foldOnnxFile({ input, out });
    expect(result.folded).toEqual([{ batchNorm: 'bn', into: 'Conv', opType: 'Conv' }]);
    expect(await inspectOnnxFile(out)).toEqual([]);
  });
});
