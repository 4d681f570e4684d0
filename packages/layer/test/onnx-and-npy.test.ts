import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportBatchNormModel, listBatchNormNodes } from '@bnkit/onnx';
import { BatchNorm, batchNormFromOnnx, writeBatchNormToOnnx } from '../src/index.js';
import { readStateDictNpy, writeStateDictNpy } from '../src/node/index.js';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'bnkit-layer-'));
  folders.push(folder);
  return folder;
}

/** A .npy file built byte by byte from the format's definition (version 1.0, little-endian float32). */
function npyFloat32(values: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length},), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const bytes = new Uint8Array(10 + header.length + 4 * values.length);
  bytes.set([0x93, ...'NUMPY'].map((c) => (typeof c === 'string' ? c.charCodeAt(0) : c)), 0);
  bytes.set([1, 0, header.length & 0xff, header.length >> 8], 6);
  bytes.set([...header].map((c) => c.charCodeAt(0)), 10);
  new DataView(bytes.buffer).setFloat32(10 + header.length, 0, true);
  values.forEach((v, i) => new DataView(bytes.buffer).setFloat32(10 + header.length + 4 * i, v, true));
  return bytes;
}

describe('a layer and an ONNX BatchNormalization node', () => {
  const stats = { gamma: [1.5, 0.5, 2], beta: [0, 1, -1], runningMean: [0.25, -2, 4], runningVar: [1, 0.5, 9], eps: 1e-3 };

  it('reads C, eps, momentum and the statistics from the node, in evaluation mode', async () => {
    const model = exportBatchNormModel(stats, { nodeName: 'bn1' });
    const bn = await batchNormFromOnnx(model, 'bn1', { backend: 'reference', convention: 'pytorch' });
    expect(bn.training).toBe(false);
    expect(bn.numFeatures).toBe(3);
    expect(bn.options.eps).toBeCloseTo(1e-3, 9);
    expect([...(bn.runningVar ?? [])]).toEqual([1, 0.5, 9]);
    const y = await bn.forward([4.25, -2, 7], [1, 3, 1, 1]);
    expect(y[0]).toBeCloseTo(1.5 * 4 / Math.sqrt(1 + Math.fround(1e-3)), 6);
    await expect(batchNormFromOnnx(model, 'nope')).rejects.toThrow(/nodeName/);
  });

  it('writes trained statistics back into the node, leaving the rest of the model as it was', async () => {
    const model = exportBatchNormModel(stats, { nodeName: 'bn1' });
    const bn = await batchNormFromOnnx(model, 'bn1', { backend: 'reference' });
    bn.train();
    await bn.forward([1, 2, 3, 3, 2, 1], [2, 3, 1, 1]);
    const written = writeBatchNormToOnnx(bn, model, 'bn1');
    const [node] = listBatchNormNodes(written);
    expect(Array.from(node?.runningMean ?? [])).toEqual(Array.from(bn.runningMean ?? [], Math.fround));
    expect(Array.from(node?.runningVar ?? [])).toEqual(Array.from(bn.runningVar ?? [], Math.fround));
    expect(written.length).toBe(model.length);
  });
});

describe('a state dict as one .npy per key', () => {
  it('reads files written by the format definition', async () => {
    const folder = await scratch();
    await writeFile(join(folder, 'weight.npy'), npyFloat32([0.5, 2]));
    await writeFile(join(folder, 'running_var.npy'), npyFloat32([1.25, 3]));
    expect(await readStateDictNpy(folder)).toEqual({ weight: [0.5, 2], running_var: [1.25, 3] });
  });

  it('round-trips a whole state dict, batch count included', async () => {
    const folder = await scratch();
    const state = { weight: [0.5, 2], bias: [1, -1], running_mean: [0.25, -3], running_var: [1.5, 4], num_batches_tracked: 7 };
    await writeStateDictNpy(folder, state);
    expect(await readStateDictNpy(folder)).toEqual(state);
    expect([...(await readFile(join(folder, 'bias.npy'))).subarray(0, 6)]).toEqual([0x93, ...'NUMPY'].map((c) => (typeof c === 'string' ? c.charCodeAt(0) : c)));
    const bn = new BatchNorm((await import('@bnkit/core')).createReferenceBackend(), { numFeatures: 2, layout: 'NC' });
    bn.loadStateDict(await readStateDictNpy(folder));
    expect(bn.numBatchesTracked).toBe(7);
  });

  it('names the file it cannot read, and an empty folder', async () => {
    const folder = await scratch();
    await expect(readStateDictNpy(folder)).rejects.toThrow(/none of them/);
    await writeFile(join(folder, 'bias.npy'), 'not a numpy file');
    await expect(readStateDictNpy(folder)).rejects.toThrow(/bias\.npy/);
  });
});
