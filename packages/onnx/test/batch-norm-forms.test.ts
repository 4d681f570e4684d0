import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalDataFromFolder } from '../src/node/index.js';
import { encodeModel, float16Bits, float16Value, listBatchNormNodes, onnxSchema, parseModelProto, replaceBatchNormStatistics } from '../src/index.js';

type TensorProto = InstanceType<typeof onnxSchema.TensorProto>;

/**
 * One model, one BN node per form: `f64` float64 initializers, `f16` float16 initializers
 * (raw_data), `ext` external data, `floats` Constant nodes with value_floats. Their inputs come
 * from a graph input, a Gemm, a MatMul and an Add.
 */
function formsModel(): Uint8Array {
  const f32 = (name: string, values: number[]) => ({ name, dataType: 'float32' as const, dims: [values.length], values });
  const bytes = encodeModel(
    {
      name: 'forms',
      nodes: [
        { name: 'f64', opType: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm64', 'v64'], outputs: ['y0'] },
        { name: 'gemm', opType: 'Gemm', inputs: ['y0', 'w'], outputs: ['g1'] },
        { name: 'f16', opType: 'BatchNormalization', inputs: ['g1', 'g', 'b', 'm16', 'v16'], outputs: ['y1'] },
        { name: 'matmul', opType: 'MatMul', inputs: ['y1', 'w'], outputs: ['mm'] },
        { name: 'ext', opType: 'BatchNormalization', inputs: ['mm', 'g', 'b', 'me', 've'], outputs: ['y2'] },
        { name: 'add', opType: 'Add', inputs: ['y2', 'y1'], outputs: ['s'] },
        { opType: 'Constant', inputs: [], outputs: ['cm'], attributes: { floats: { floats: [0.5, 0.25] } } },
        { opType: 'Constant', inputs: [], outputs: ['cv'], attributes: { floats: { floats: [2, 3] } } },
        { name: 'floats', opType: 'BatchNormalization', inputs: ['s', 'g', 'b', 'cm', 'cv'], outputs: ['y3'] },
      ],
      inputs: [{ name: 'x', dataType: 'float32', shape: ['N', 2] }],
      outputs: [{ name: 'y3', dataType: 'float32', shape: ['N', 2] }],
      initializers: [
        f32('g', [1, 1]),
        f32('b', [0, 0]),
        { name: 'w', dataType: 'float32', dims: [2, 2], values: [1, 0, 0, 1] },
        { name: 'm64', dataType: 'float64', dims: [2], values: [0.1, 1 / 3] },
        { name: 'v64', dataType: 'float64', dims: [2], values: [2, Math.PI] },
        f32('m16', [0, 0]),
        f32('v16', [0, 0]),
        f32('me', [0, 0]),
        f32('ve', [0, 0]),
      ],
    },
    { opset: 15 },
  );
  const proto = parseModelProto(bytes);
  const graph = proto.graph as NonNullable<typeof proto.graph>;
  for (const t of graph.initializer as TensorProto[]) {
    if (t.name === 'm16' || t.name === 'v16') {
      const values = t.name === 'm16' ? [0.5, -1.25] : [3, 0.099975586];
      const raw = new Uint8Array(4);
      values.forEach((v, i) => new DataView(raw.buffer).setUint16(i * 2, float16Bits(v), true));
      t.dataType = 10;
      t.rawData = raw;
    }
    if (t.name === 'me' || t.name === 've') {
      t.rawData = new Uint8Array(0);
      t.dataLocation = 1;
      t.externalData = [
        { key: 'location', value: 'stats/ext.bin' },
        { key: 'offset', value: t.name === 'me' ? '0' : '8' },
        { key: 'length', value: '8' },
      ];
    }
  }
  // Constant nodes: the encoder writes attribute `floats`; ONNX names it value_floats.
  for (const node of graph.node ?? []) if (node.opType === 'Constant' && node.attribute?.[0]) node.attribute[0].name = 'value_floats';
  return onnxSchema.ModelProto.encode(proto).finish();
}

describe('listBatchNormNodes on every form of statistics', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-forms-'));
    await mkdir(join(dir, 'stats'));
    await writeFile(join(dir, 'model.onnx'), formsModel());
    await writeFile(join(dir, 'stats', 'ext.bin'), new Uint8Array(new Float32Array([1.5, 2.5, 4, 8]).buffer));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads float16, float64, external and Constant statistics with their sources, positions and producers', () => {
    const nodes = listBatchNormNodes(formsModel(), { externalData: externalDataFromFolder(join(dir, 'model.onnx')) });
    expect(nodes.map((n) => [n.name, n.index, n.order])).toEqual([['f64', 0, 0], ['f16', 2, 1], ['ext', 4, 2], ['floats', 8, 3]]);
    const [f64, f16, ext, floats] = nodes;
    expect(f64?.runningMean).toEqual(Float64Array.of(0.1, 1 / 3));
    expect(f64?.sources.runningVar).toEqual({ kind: 'initializer', tensor: 'v64', dataType: 'float64' });
    expect(f64?.producer).toEqual({ kind: 'graph-input', name: 'x' });
    // 0.099975586 is the float16 nearest 0.1: 1638/16384.
    expect(Array.from(f16?.runningVar ?? [])).toEqual([3, 1638 / 16384]);
    expect(Array.from(f16?.runningMean ?? [])).toEqual([0.5, -1.25]);
    expect(f16?.sources.runningMean.dataType).toBe('float16');
    expect(f16?.producer).toMatchObject({ kind: 'node', opType: 'Gemm', name: 'gemm' });
    expect(Array.from(ext?.runningMean ?? [])).toEqual([1.5, 2.5]);
    expect(Array.from(ext?.runningVar ?? [])).toEqual([4, 8]);
    expect(ext?.sources.runningVar).toEqual({ kind: 'external-data', tensor: 've', dataType: 'float32', file: 'stats/ext.bin' });
    expect(ext?.producer).toMatchObject({ kind: 'node', opType: 'MatMul' });
    expect(Array.from(floats?.runningVar ?? [])).toEqual([2, 3]);
    expect(floats?.sources.runningMean.kind).toBe('constant-node');
    expect(floats?.producer).toMatchObject({ kind: 'node', opType: 'Add' });
  });

  it('lists external statistics unread, with their file, when no resolver is given', () => {
    const ext = listBatchNormNodes(formsModel())[2];
    expect(ext?.runningMean).toBeUndefined();
    expect(ext?.channels).toBe(2);
    expect(ext?.sources.runningMean).toMatchObject({ kind: 'external-data', file: 'stats/ext.bin', unread: expect.stringMatching(/external file/) });
  });

  it('refuses external data locations that leave the model folder', async () => {
    const resolve = externalDataFromFolder(join(dir, 'model.onnx'));
    expect(() => resolve('../secret.bin')).toThrow(/inside the model's folder/);
    expect(() => resolve('/etc/hostname')).toThrow(/inside the model's folder/);
    await symlink(tmpdir(), join(dir, 'escape'));
    expect(() => resolve('escape/anything')).toThrow(/symbolic link|readable file/);
  });

  it('writes new float16 statistics as float16, and external ones inline', () => {
    const bytes = replaceBatchNormStatistics(formsModel(), [
      { node: 'f16', runningMean: [0.1, 2], runningVar: [1, 65504] },
      { node: 'ext', runningMean: [7, 8], runningVar: [9, 10] },
    ]);
    const [, f16, ext] = listBatchNormNodes(bytes);
    expect(f16?.sources.runningMean.dataType).toBe('float16');
    expect(Array.from(f16?.runningMean ?? [])).toEqual([float16Value(float16Bits(0.1)), 2]);
    expect(Array.from(f16?.runningVar ?? [])).toEqual([1, 65504]);
    expect(ext?.sources.runningMean.kind).toBe('initializer');
    expect(Array.from(ext?.runningVar ?? [])).toEqual([9, 10]);
  });
});

describe('float16', () => {
  it('converts known bit patterns both ways', () => {
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x7bff, 65504],
      [0x0400, 2 ** -14],
      [0x0001, 2 ** -24],
      [0x3555, 0.333251953125],
      [0x7c00, Infinity],
    ];
    for (const [bits, value] of cases) {
      expect(float16Value(bits)).toBe(value);
      expect(float16Bits(value)).toBe(bits);
    }
    // Ties go to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float16Bits(65520)).toBe(0x7c00);
    expect(Number.isNaN(float16Value(float16Bits(Number.NaN)))).toBe(true);
  });
});

describe('replaceBatchNormStatistics by index', () => {
  it('writes unnamed nodes, found by their position, and refuses an index that is not the named node', () => {
    const init = (name: string, values: number[]) => ({ name, dataType: 'float32' as const, dims: [2], values });
    const bytes = encodeModel(
      {
        name: 'unnamed',
        nodes: [
          { opType: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm1', 'v1'], outputs: ['y1'] },
          { opType: 'BatchNormalization', inputs: ['y1', 'g', 'b', 'm2', 'v2'], outputs: ['y2'] },
        ],
        inputs: [{ name: 'x', dataType: 'float32', shape: ['N', 2] }],
        outputs: [{ name: 'y2', dataType: 'float32', shape: ['N', 2] }],
        initializers: [init('g', [1, 1]), init('b', [0, 0]), init('m1', [0, 0]), init('v1', [1, 1]), init('m2', [0, 0]), init('v2', [1, 1])],
      },
      { opset: 15 },
    );
    const out = replaceBatchNormStatistics(bytes, [{ node: '', index: 1, runningMean: [3, 4], runningVar: [5, 6] }]);
    const [first, second] = listBatchNormNodes(out);
    expect(Array.from(first?.runningMean ?? [])).toEqual([0, 0]);
    expect(Array.from(second?.runningMean ?? [])).toEqual([3, 4]);
    expect(Array.from(second?.runningVar ?? [])).toEqual([5, 6]);
    expect(() => replaceBatchNormStatistics(bytes, [{ node: 'bn', index: 1, runningMean: [3, 4] }])).toThrow(/updates\[0\]\.index: expected the index of a BatchNormalization node named "bn"/);
    expect(() => replaceBatchNormStatistics(bytes, [{ node: '', index: 2, runningMean: [3, 4] }])).toThrow(/BN nodes at 0, 1/);
  });
});
