import { encodeModel, listBatchNormNodes, onnxSchema, parseModelProto, type OnnxNode } from '@bnkit/onnx';
import { dump } from 'npyjs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchNormCapture, loadOrt, recalibrateFile } from '../src/index.js';
import { calibrationBatches } from '../src/test-models.js';

const C = 3;
const SHAPE = [4, C, 8, 8];
const BATCHES = calibrationBatches(3).map((b) => b.subarray(0, 4 * C * 64));

const constant = (name: string, values: number[]): OnnxNode => ({
  opType: 'Constant',
  inputs: [],
  outputs: [name],
  attributes: { value: { tensor: { name, dataType: 'float32', dims: [values.length], values } } },
});

/**
 * BN statistics in three forms: `bn_input` reads them from graph inputs (supplied at run time),
 * `bn_constant` from Constant nodes, `bn_external` from an external data file next to the model.
 */
function formsModel(): Uint8Array {
  const ones = [1, 1, 1];
  const zeros = [0, 0, 0];
  const bytes = encodeModel(
    {
      name: 'forms',
      nodes: [
        { name: 'bn_input', opType: 'BatchNormalization', inputs: ['x', 'g', 'b', 'run_mean', 'run_var'], outputs: ['y1'] },
        { name: 'relu', opType: 'Relu', inputs: ['y1'], outputs: ['r1'] },
        constant('c_mean', zeros),
        constant('c_var', ones),
        { name: 'bn_constant', opType: 'BatchNormalization', inputs: ['r1', 'g', 'b', 'c_mean', 'c_var'], outputs: ['y2'] },
        { name: 'bn_external', opType: 'BatchNormalization', inputs: ['y2', 'g', 'b', 'e_mean', 'e_var'], outputs: ['y3'] },
      ],
      inputs: [
        { name: 'x', dataType: 'float32', shape: ['N', C, 8, 8] },
        { name: 'run_mean', dataType: 'float32', shape: [C] },
        { name: 'run_var', dataType: 'float32', shape: [C] },
      ],
      outputs: [{ name: 'y3', dataType: 'float32', shape: ['N', C, 8, 8] }],
      initializers: [
        { name: 'g', dataType: 'float32', dims: [C], values: ones },
        { name: 'b', dataType: 'float32', dims: [C], values: zeros },
        { name: 'e_mean', dataType: 'float32', dims: [C], values: zeros },
        { name: 'e_var', dataType: 'float32', dims: [C], values: ones },
      ],
    },
    { opset: 15 },
  );
  // Move e_mean and e_var into weights.bin: e_mean at offset 0, e_var at offset 12.
  const proto = parseModelProto(bytes);
  for (const t of proto.graph?.initializer ?? []) {
    if (t.name !== 'e_mean' && t.name !== 'e_var') continue;
    t.rawData = new Uint8Array(0);
    t.dataLocation = 1;
    t.externalData = [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: t.name === 'e_mean' ? '0' : '12' },
      { key: 'length', value: '12' },
    ];
  }
  return onnxSchema.ModelProto.encode(proto).finish();
}

describe('models whose BN statistics come in every form', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-forms-'));
    await writeFile(join(dir, 'model.onnx'), formsModel());
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(new Float32Array([0, 0, 0, 1, 1, 1]).buffer));
    await mkdir(join(dir, 'data'));
    for (const [i, b] of BATCHES.entries()) await writeFile(join(dir, 'data', `${i}.npy`), new Uint8Array(dump(b, [b.length / (C * 64), C, 8, 8])));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('recalibrates all three, writes the external ones inline and reports the others as not written', async () => {
    const out = join(dir, 'out.onnx');
    const { report } = await recalibrateFile({ model: join(dir, 'model.onnx'), data: join(dir, 'data'), out, mode: 'eval' });
    const byName = new Map(report?.nodes.map((n) => [n.name, n]));
    expect(byName.get('bn_input')).toMatchObject({ written: false, source: 'graph-input', oldMean: null, reason: expect.stringMatching(/supplied at run time/) });
    expect(byName.get('bn_constant')).toMatchObject({ written: false, source: 'constant-node', reason: expect.stringMatching(/Constant/) });
    expect(byName.get('bn_external')).toMatchObject({ written: true, source: 'external-data', oldMean: [0, 0, 0], oldVariance: [1, 1, 1] });
    const written = listBatchNormNodes(new Uint8Array(await readFile(out))).find((n) => n.name === 'bn_external');
    expect(written?.sources.runningMean.kind).toBe('initializer');
    expect(written?.runningMean).toEqual(Float32Array.from(byName.get('bn_external')?.newMean ?? []));
    // bn_input normalises its input with its new statistics: per channel mean 0 and variance var/(var+eps) after it.
    expect(byName.get('bn_input')?.newMean.every((m) => Math.abs(m - 2) < 0.5)).toBe(true);
  });

  it('captures every BN node\'s input and output in one run (graph inputs fed for run-time statistics)', async () => {
    const ort = await loadOrt();
    const { externalDataFromFolder } = await import('@bnkit/onnx/node');
    const model = new Uint8Array(await readFile(join(dir, 'model.onnx')));
    const capture = await createBatchNormCapture(model, { externalData: externalDataFromFolder(join(dir, 'model.onnx')) });
    try {
      expect(capture.inputs.slice().sort()).toEqual(['run_mean', 'run_var', 'x']);
      const x = BATCHES[0] as Float32Array;
      const captured = await capture.run({
        x: new ort.Tensor('float32', x, SHAPE),
        run_mean: new ort.Tensor('float32', Float32Array.of(2, 2, 2), [C]),
        run_var: new ort.Tensor('float32', Float32Array.of(9, 9, 9), [C]),
      });
      expect(captured.map((c) => c.site.name)).toEqual(['bn_input', 'bn_constant', 'bn_external']);
      expect(captured[0]?.x.data).toEqual(x);
      // y = (x - 2) / sqrt(9 + 1e-5): the node ran with the fed statistics.
      const y = captured[0]?.y.data as Float32Array;
      expect(Math.abs((y[5] as number) - ((x[5] as number) - 2) / Math.sqrt(9 + 1e-5))).toBeLessThan(1e-5);
      expect(captured[1]?.x.data).toEqual(Float32Array.from(y, (v) => Math.max(v, 0)));
    } finally {
      await capture.release();
    }
  });

  it('reads one sub-folder per input for a model with several inputs', async () => {
    const two = encodeModel(
      {
        name: 'two',
        nodes: [
          { opType: 'Add', inputs: ['a', 'b'], outputs: ['s'] },
          { name: 'bn', opType: 'BatchNormalization', inputs: ['s', 'g', 'z', 'm', 'v'], outputs: ['y'] },
        ],
        inputs: [
          { name: 'a', dataType: 'float32', shape: ['N', 2] },
          { name: 'b', dataType: 'float32', shape: ['N', 2] },
        ],
        outputs: [{ name: 'y', dataType: 'float32', shape: ['N', 2] }],
        initializers: ['g', 'z', 'm', 'v'].map((name) => ({ name, dataType: 'float32' as const, dims: [2], values: name === 'g' || name === 'v' ? [1, 1] : [0, 0] })),
      },
      { opset: 15 },
    );
    await writeFile(join(dir, 'two.onnx'), two);
    for (const input of ['a', 'b']) await mkdir(join(dir, 'two-data', input), { recursive: true });
    // a + b per channel: batch 1 [1+10, 2+20; 3+30, 4+40], batch 2 [5+50, 6+60]. Channel 0: 11, 33, 55; channel 1: 22, 44, 66.
    await writeFile(join(dir, 'two-data', 'a', '1.npy'), new Uint8Array(dump(Float32Array.of(1, 2, 3, 4), [2, 2])));
    await writeFile(join(dir, 'two-data', 'a', '2.npy'), new Uint8Array(dump(Float32Array.of(5, 6), [1, 2])));
    await writeFile(join(dir, 'two-data', 'b', '1.npy'), new Uint8Array(dump(Float32Array.of(10, 20, 30, 40), [2, 2])));
    await writeFile(join(dir, 'two-data', 'b', '2.npy'), new Uint8Array(dump(Float32Array.of(50, 60), [1, 2])));
    const { report } = await recalibrateFile({ model: join(dir, 'two.onnx'), data: join(dir, 'two-data'), out: join(dir, 'two-out.onnx'), mode: 'eval' });
    expect(report?.nodes[0]?.newMean).toEqual([33, 44]);
    // Biased population variance of {11, 33, 55}: (22² + 0 + 22²) / 3.
    expect(report?.nodes[0]?.newVariance[0]).toBeCloseTo((2 * 22 ** 2) / 3, 10);
  });
});
