import { BnShapeError, BnValueError } from '@bnkit/core';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchNormNodesToJson, encodeModel, exportBatchNormModel, OnnxFormatError, parseStats, parseStatsText } from '../src/index.js';
import { exportOnnxFromStatsFile, foldOnnxFile, inspectOnnxFile, replaceStatisticsInFile, writeNodeTestDirectory } from '../src/node/index.js';

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
    expect((await readdir(dir)).filter((n) => n.includes('tmp'))).toEqual([]);
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

describe('file functions: what they refuse to overwrite', () => {
  it('accepts a stats.json that starts with a UTF-8 byte-order mark', async () => {
    const path = join(dir, 'bom.json');
    await writeFile(path, `\uFEFF${JSON.stringify(stats)}`);
    const bytes = await exportOnnxFromStatsFile({ stats: path, out: join(dir, 'bom.onnx') });
    expect(bytes).toEqual(exportBatchNormModel(stats));
    expect(parseStatsText(`\uFEFF${JSON.stringify(stats)}`)).toEqual(stats);
  });

  it('refuses to write the model over its own stats file, under any name', async () => {
    const path = join(dir, 'self.json');
    const text = JSON.stringify(stats);
    await writeFile(path, text);
    await symlink('self.json', join(dir, 'self-link.onnx'));
    for (const out of [path, join(dir, 'self-link.onnx')]) {
      await expect(exportOnnxFromStatsFile({ stats: path, out })).rejects.toMatchObject({ argument: 'out', name: 'BnValueError' });
    }
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('refuses a FIFO as the output of fold and export, and leaves it a FIFO', async () => {
    const model = join(dir, 'fifo-input.onnx');
    await writeFile(model, exportBatchNormModel(stats));
    const statsPath = join(dir, 'fifo-stats.json');
    await writeFile(statsPath, JSON.stringify(stats));
    const fifo = join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    await expect(foldOnnxFile({ input: model, out: fifo })).rejects.toThrow(/^out: .*is a FIFO/);
    await expect(exportOnnxFromStatsFile({ stats: statsPath, out: fifo })).rejects.toThrow(/^out: .*is a FIFO/);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('overwrites only a directory with a node-test directory, never a file or a link', async () => {
    const data = { model: exportBatchNormModel(stats), dataSets: [] };
    const file = join(dir, 'a-file');
    await writeFile(file, 'keep');
    await expect(writeNodeTestDirectory(data, file, { overwrite: true })).rejects.toThrow(/not a directory/);
    expect(await readFile(file, 'utf8')).toBe('keep');
    await mkdir(join(dir, 'real-dir'));
    await symlink('real-dir', join(dir, 'dir-link'));
    await expect(writeNodeTestDirectory(data, join(dir, 'dir-link'), { overwrite: true })).rejects.toThrow(/symbolic link/);
    expect((await lstat(join(dir, 'dir-link'))).isSymbolicLink()).toBe(true);
    await writeNodeTestDirectory(data, join(dir, 'real-dir'), { overwrite: true });
    expect(await readdir(join(dir, 'real-dir'))).toEqual(['model.onnx']);
  });

  it('removes the temporary directory a killed writer left, and only that', async () => {
    const data = { model: exportBatchNormModel(stats), dataSets: [] };
    const stale = join(dir, '.tests.999999999.0123abcd.bnkit-tmp');
    const live = join(dir, `.tests.${process.ppid}.0123abcd.bnkit-tmp`);
    await mkdir(join(stale, 'test_data_set_0'), { recursive: true });
    await mkdir(live);
    await writeNodeTestDirectory(data, join(dir, 'tests'));
    expect((await readdir(dir)).filter((n) => n.startsWith('.tests.'))).toEqual([`.tests.${process.ppid}.0123abcd.bnkit-tmp`]);
    await rm(live, { recursive: true });
  });
});
