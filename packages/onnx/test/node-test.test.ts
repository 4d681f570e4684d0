import { BnValueError, LAYOUTS } from '@bnkit/core';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeModel,
  goldenCaseToNodeTest,
  nodeTestName,
  nodeTestToGoldenCases,
  OnnxFormatError,
  type NodeTestData,
} from '../src/index.js';
import { readNodeTestDirectory, readNodeTestGoldenCases, writeGoldenCaseNodeTest, writeNodeTestDirectory } from '../src/node/index.js';
import { referenceCase } from './golden-cases.js';
import { SHAPES, toleranceRatio } from '@bnkit/spec/test';
import { runModel } from './helpers.js';

/** Runs every data set of a node test in onnxruntime-node; returns the worst tolerance ratio over all outputs. */
async function runNodeTest(data: NodeTestData, abs: number, rel: number): Promise<number> {
  let worst = 0;
  for (const set of data.dataSets) {
    const feeds = Object.fromEntries(set.inputs.map((t) => [t.name, { data: Float32Array.from(t.values as ArrayLike<number>), dims: t.dims }]));
    const results = await runModel(data.model, feeds);
    for (const expected of set.outputs) {
      worst = Math.max(worst, toleranceRatio(results[expected.name] ?? [], expected.values as ArrayLike<number>, abs, rel));
    }
  }
  return worst;
}

let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'bnkit-onnx-node-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('golden case -> node test', () => {
  for (const layout of LAYOUTS) {
    it(`inference ${layout}: onnxruntime-node gives the case's expected y`, async () => {
      const c = referenceCase(layout, SHAPES[layout], 'pytorch', 2, LAYOUTS.indexOf(layout) + 1);
      const data = goldenCaseToNodeTest(c, { kind: 'inference', opset: 9 });
      expect(data.dataSets).toHaveLength(2);
      expect(await runNodeTest(data, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    });
  }

  for (const [convention, opset] of [['onnx', 15], ['keras', 14]] as const) {
    for (const layout of ['NCHW', 'NHWC', 'NC'] as const) {
      it(`training mode ${convention} ${layout} opset ${opset}: onnxruntime-node gives y and running statistics`, async () => {
        const c = referenceCase(layout, SHAPES[layout], convention, 3, 40 + opset);
        const data = goldenCaseToNodeTest(c, { kind: 'trainForward', opset });
        expect(data.dataSets).toHaveLength(3);
        expect(data.dataSets[0]?.outputs.map((t) => t.name)).toEqual(['y', 'output_mean', 'output_var']);
        expect(await runNodeTest(data, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      });
    }
  }

  it('writes affine: false as scale 1 and B 0', async () => {
    const c = referenceCase('NCL', SHAPES.NCL, 'onnx', 1, 9, false);
    const data = goldenCaseToNodeTest(c);
    expect(Array.from(data.dataSets[0]?.inputs[1]?.values as ArrayLike<number>)).toEqual([1, 1, 1]);
    expect(await runNodeTest(data, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('refuses cases that do not map onto ONNX, with typed errors', () => {
    const pytorch = referenceCase('NCHW', SHAPES.NCHW, 'pytorch', 1, 3);
    expect(() => goldenCaseToNodeTest(pytorch, { kind: 'trainForward' })).toThrow(BnValueError);
    expect(() => goldenCaseToNodeTest(pytorch, { kind: 'trainForward' })).toThrow(/options\.convention/);
    const onnxCase = referenceCase('NCHW', SHAPES.NCHW, 'onnx', 1, 3);
    expect(() => goldenCaseToNodeTest(onnxCase, { kind: 'trainForward', opset: 9 })).toThrow(/opset/);
    const untracked = { ...onnxCase, options: { ...onnxCase.options, trackRunningStats: false } };
    expect(() => goldenCaseToNodeTest(untracked)).toThrow(/trackRunningStats/);
    const noSteps = { ...onnxCase, steps: onnxCase.steps.map((s) => ({ ...s, expected: {} })) };
    expect(() => goldenCaseToNodeTest(noSteps, { kind: 'inference' })).toThrow(/steps/);
  });

  it('names directories after the case id', () => {
    expect(nodeTestName('nchw/eps-1e-5/offset-1e4')).toBe('test_bnkit_nchw_eps_1e_5_offset_1e4');
    expect(nodeTestName('nc/onnx', 'trainForward')).toBe('test_bnkit_nc_onnx_training_mode');
  });
});

describe('node test directories', () => {
  it('read back as cases equal to the written ones (inference)', async () => {
    const c = referenceCase('NHWC', SHAPES.NHWC, 'keras', 2, 21);
    const dir = join(scratch, nodeTestName(c.id));
    await writeGoldenCaseNodeTest(c, dir, { opset: 14 });
    expect((await readdir(dir)).sort()).toEqual(['model.onnx', 'test_data_set_0', 'test_data_set_1']);
    expect((await readdir(join(dir, 'test_data_set_0'))).sort()).toEqual(['input_0.pb', 'input_1.pb', 'input_2.pb', 'input_3.pb', 'input_4.pb', 'output_0.pb']);
    const cases = await readNodeTestGoldenCases(dir, { id: 'back' });
    expect(cases.map((k) => k.id)).toEqual(['back/set-0', 'back/set-1']);
    const first = cases[0]!;
    expect(first.layout).toBe('NHWC');
    expect(first.shape).toEqual(c.shape);
    expect(first.options.eps).toBe(Math.fround(c.options.eps));
    expect(first.operations).toEqual(['inference']);
    expect(first.steps[0]?.x).toEqual(c.steps[0]?.x);
    expect(first.params.gamma).toEqual(c.params.gamma);
    expect(first.params.runningVar).toEqual(c.params.runningVar);
    expect(toleranceRatio(first.steps[0]!.expected.inference!.y, c.steps[0]!.expected.inference!.y, 0, 1e-7)).toBeLessThanOrEqual(1);
    const second = cases[1]!;
    expect(toleranceRatio(second.params.runningMean!, c.steps[0]!.expected.trainForward!.runningMean!, 0, 1e-7)).toBeLessThanOrEqual(1);
  });

  it('read back as cases equal to the written ones (training mode)', async () => {
    const c = referenceCase('NCDHW', SHAPES.NCDHW, 'onnx', 2, 22);
    const dir = join(scratch, nodeTestName(c.id, 'trainForward'));
    await writeGoldenCaseNodeTest(c, dir, { kind: 'trainForward' });
    const [first] = await readNodeTestGoldenCases(dir);
    const expected = c.steps[0]!.expected.trainForward!;
    const got = first!.steps[0]!.expected.trainForward!;
    expect(first!.operations).toEqual(['trainForward']);
    expect(first!.options.momentum).toBe(Math.fround(0.9));
    expect(toleranceRatio(got.y, expected.y, 0, 1e-7)).toBeLessThanOrEqual(1);
    expect(toleranceRatio(got.runningVar!, expected.runningVar!, 0, 1e-7)).toBeLessThanOrEqual(1);
    expect(toleranceRatio(got.batchVar, expected.batchVar, 0, 1e-12)).toBeLessThanOrEqual(1);
  });

  it('matches unnamed tensors to graph inputs and outputs by position', async () => {
    const c = referenceCase('NCL', SHAPES.NCL, 'keras', 1, 28);
    const data = goldenCaseToNodeTest(c, { kind: 'trainForward' });
    const unnamed: NodeTestData = {
      model: data.model,
      dataSets: data.dataSets.map((set) => ({
        inputs: set.inputs.map((t) => ({ ...t, name: '' })),
        outputs: set.outputs.map((t) => ({ ...t, name: '' })),
      })),
    };
    const dir = join(scratch, 'unnamed');
    await writeNodeTestDirectory(unnamed, dir);
    const [back] = await readNodeTestGoldenCases(dir);
    expect(back?.params.runningVar).toEqual(c.params.runningVar);
    const expected = c.steps[0]!.expected.trainForward!;
    expect(toleranceRatio(back!.steps[0]!.expected.trainForward!.runningMean!, expected.runningMean!, 0, 1e-7)).toBeLessThanOrEqual(1);
  });

  it('refuses to replace an existing directory unless asked, leaving it unchanged', async () => {
    const c = referenceCase('NC', SHAPES.NC, 'onnx', 1, 23);
    const dir = join(scratch, 'existing');
    await writeGoldenCaseNodeTest(c, dir);
    const before = await readFile(join(dir, 'model.onnx'));
    const other = referenceCase('NC', [4, 2], 'onnx', 1, 24);
    await expect(writeGoldenCaseNodeTest(other, dir)).rejects.toThrow(BnValueError);
    expect(await readFile(join(dir, 'model.onnx'))).toEqual(before);
    await writeGoldenCaseNodeTest(other, dir, { overwrite: true });
    expect((await readNodeTestGoldenCases(dir))[0]?.shape).toEqual([4, 2]);
    expect((await readdir(scratch)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('writes nothing for a case that cannot be mapped', async () => {
    const c = referenceCase('NC', SHAPES.NC, 'pytorch', 1, 25);
    const dir = join(scratch, 'refused');
    await expect(writeGoldenCaseNodeTest(c, dir, { kind: 'trainForward' })).rejects.toThrow(BnValueError);
    expect(await readdir(scratch)).not.toContain('refused');
  });

  it('gives typed errors for a missing model and a garbage tensor file', async () => {
    const c = referenceCase('NC', SHAPES.NC, 'onnx', 1, 26);
    const dir = join(scratch, 'damaged');
    await writeGoldenCaseNodeTest(c, dir);
    await writeFile(join(dir, 'test_data_set_0', 'input_2.pb'), Uint8Array.from([0x0a, 0xff, 0x01]));
    await expect(readNodeTestDirectory(dir)).rejects.toThrow(OnnxFormatError);
    await expect(readNodeTestDirectory(dir)).rejects.toThrow(/input_2\.pb/);
    await expect(readNodeTestDirectory(join(scratch, 'nowhere'))).rejects.toThrow(/model\.onnx/);
  });

  it('refuses a model that is not one BatchNormalization node, or malformed', () => {
    const data = goldenCaseToNodeTest(referenceCase('NC', SHAPES.NC, 'onnx', 1, 27));
    const relu = encodeModel(
      { name: 'r', nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', dataType: 'float32', shape: [4, 3] }], outputs: [{ name: 'y', dataType: 'float32', shape: [4, 3] }] },
      { opset: 15 },
    );
    expect(() => nodeTestToGoldenCases({ ...data, model: relu })).toThrow(/exactly one BatchNormalization node/);
    expect(() => nodeTestToGoldenCases({ ...data, model: new Uint8Array([8, 1]) })).toThrow(OnnxFormatError);
  });
});
