import { BnValueError } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { decodeModel, decodeTensor, encodeModel, encodeTensor, exportBatchNormModel, findModelProblems, OnnxFormatError, type OnnxGraph } from '../src/index.js';
import { onnx } from '../src/proto.js';

const stats = { gamma: [1, 2], beta: [0, 1], runningMean: [0.5, -0.5], runningVar: [1, 4], eps: 1e-5 };

function bnGraph(overrides: Partial<OnnxGraph> = {}): OnnxGraph {
  return {
    name: 'g',
    nodes: [{ opType: 'BatchNormalization', name: 'bn', inputs: ['X', 's', 'b', 'm', 'v'], outputs: ['Y'], attributes: { epsilon: { float: 1e-5 } } }],
    inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 2] }],
    outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 2] }],
    initializers: ['s', 'b', 'm', 'v'].map((name) => ({ name, dataType: 'float32' as const, dims: [2], values: [1, 2] })),
    ...overrides,
  };
}

describe('encodeTensor / decodeTensor', () => {
  it('round-trips float32, float64, int64 and scalars', () => {
    const f32 = decodeTensor(encodeTensor({ name: 'a', dataType: 'float32', dims: [2, 2], values: [1.5, -2, 3.25, 1e-8] }));
    expect(f32).toEqual({ name: 'a', dataType: 'float32', dims: [2, 2], values: Float32Array.from([1.5, -2, 3.25, 1e-8]) });
    const f64 = decodeTensor(encodeTensor({ name: 'b', dataType: 'float64', dims: [3], values: [0.1, 1e300, -Math.PI] }));
    expect(Array.from(f64.values as Float64Array)).toEqual([0.1, 1e300, -Math.PI]);
    const i64 = decodeTensor(encodeTensor({ name: 'c', dataType: 'int64', dims: [3], values: [1n, -2n, 9007199254740993n] }));
    expect(i64.values).toEqual([1n, -2n, 9007199254740993n]);
    expect(decodeTensor(encodeTensor({ name: 'd', dataType: 'int64', dims: [], values: [7] })).values).toEqual([7n]);
  });

  it('reads the typed data fields as well as raw_data', () => {
    const floats = onnx.TensorProto.encode({ name: 'f', dataType: 1, dims: [2], floatData: [1.5, 2.5] }).finish();
    expect(Array.from(decodeTensor(floats).values as Float32Array)).toEqual([1.5, 2.5]);
    const doubles = onnx.TensorProto.encode({ name: 'd', dataType: 11, dims: [1], doubleData: [0.1] }).finish();
    expect(Array.from(decodeTensor(doubles).values as Float64Array)).toEqual([0.1]);
    const ints = onnx.TensorProto.encode({ name: 'i', dataType: 7, dims: [2], int64Data: [3, -4] }).finish();
    expect(decodeTensor(ints).values).toEqual([3n, -4n]);
  });

  it('refuses a value count that differs from dims, other element types and garbage', () => {
    expect(() => encodeTensor({ name: 'a', dataType: 'float32', dims: [3], values: [1, 2] })).toThrow(OnnxFormatError);
    expect(() => encodeTensor({ name: 'a', dataType: 'int64', dims: [1], values: [1.5] })).toThrow(/safe integers/);
    const int32 = onnx.TensorProto.encode({ name: 'i', dataType: 6, dims: [1], int32Data: [3] }).finish();
    expect(() => decodeTensor(int32)).toThrow(/element type 6/);
    const short = onnx.TensorProto.encode({ name: 's', dataType: 1, dims: [3], floatData: [1] }).finish();
    expect(() => decodeTensor(short)).toThrow(/3 values/);
    expect(() => decodeTensor(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(OnnxFormatError);
  });
});

describe('encodeModel / decodeModel', () => {
  it('round-trips a graph with the default IR version of the opset', () => {
    const model = decodeModel(encodeModel(bnGraph(), { opset: 9 }));
    expect(model.irVersion).toBe(4);
    expect(model.opset).toBe(9);
    expect(model.graph.nodes[0]).toMatchObject({ opType: 'BatchNormalization', name: 'bn', inputs: ['X', 's', 'b', 'm', 'v'], outputs: ['Y'] });
    expect((model.graph.nodes[0]?.attributes['epsilon'] as { float: number }).float).toBeCloseTo(1e-5, 10);
    expect(model.graph.inputs[0]).toMatchObject({ name: 'X', dataType: 'float32', shape: ['N', 2] });
    expect(model.graph.initializers.map((t) => t.name)).toEqual(['s', 'b', 'm', 'v']);
    expect(decodeModel(encodeModel(bnGraph(), { opset: 15 })).irVersion).toBe(8);
    expect(decodeModel(encodeModel(bnGraph(), { opset: 13 })).irVersion).toBe(7);
  });

  it('refuses structurally invalid graphs, naming the fault', () => {
    const missing = bnGraph({ initializers: [] });
    expect(() => encodeModel(missing, { opset: 15 })).toThrow(/input 1 "s" is produced by no graph input/);
    const undeclared = bnGraph({ outputs: [{ name: 'Z', dataType: 'float32', shape: [] }] });
    expect(() => encodeModel(undeclared, { opset: 15 })).toThrow(/graph output "Z" is produced by nothing/);
    const fourInputs = bnGraph({ nodes: [{ opType: 'BatchNormalization', inputs: ['X', 's', 'b', 'm'], outputs: ['Y'] }] });
    expect(() => encodeModel(fourInputs, { opset: 15 })).toThrow(/expected 5 inputs/);
    const training = bnGraph({ nodes: [{ opType: 'BatchNormalization', inputs: ['X', 's', 'b', 'm', 'v'], outputs: ['Y'], attributes: { training_mode: { int: 1 } } }] });
    expect(() => encodeModel(training, { opset: 9 })).toThrow(/training_mode exists from opset 14/);
    const wrongC = bnGraph({ initializers: [...(bnGraph().initializers ?? []).slice(0, 3), { name: 'v', dataType: 'float32', dims: [3], values: [1, 1, 1] }] });
    expect(() => encodeModel(wrongC, { opset: 15 })).toThrow(/has 3 values, the other statistics 2/);
    const wrongX = bnGraph({ inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 5] }] });
    expect(() => encodeModel(wrongX, { opset: 15 })).toThrow(/X is declared with 5 channels/);
    const noOutputs = bnGraph({ outputs: [] });
    expect(() => encodeModel(noOutputs, { opset: 15 })).toThrow(/declares no outputs/);
  });

  it('finds no problem in an exported model', () => {
    expect(findModelProblems(decodeModel(exportBatchNormModel(stats, { layout: 'NHWC' })))).toEqual([]);
  });

  it('refuses a model without a default-domain opset import', () => {
    const proto = onnx.ModelProto.decode(exportBatchNormModel(stats));
    proto.opsetImport = [];
    expect(() => decodeModel(onnx.ModelProto.encode(proto).finish())).toThrow(/no opset import/);
  });

  it('throws OnnxFormatError (a BnValueError) on garbage and on every truncation', () => {
    const bytes = exportBatchNormModel(stats, { layout: 'NHWC' });
    expect(() => decodeModel(new Uint8Array(0))).toThrow(OnnxFormatError);
    expect(() => decodeModel(new TextEncoder().encode('definitely not an onnx model'))).toThrow(BnValueError);
    const random = Uint8Array.from({ length: 256 }, (_, i) => (i * 97 + 13) & 0xff);
    expect(() => decodeModel(random)).toThrow(OnnxFormatError);
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeModel(bytes.subarray(0, length)), `prefix of ${length} bytes`).toThrow(OnnxFormatError);
    }
    expect(() => decodeModel(bytes)).not.toThrow();
  });
});
