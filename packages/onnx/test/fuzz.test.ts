import { BnError } from '@bnkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, exportBatchNormModel, foldBatchNorm, listBatchNormNodes, replaceBatchNormStatistics } from '../src/index.js';
import { onnx } from '../src/proto.js';

const stats = { gamma: [1, 2, 3], beta: [0, 0.5, -0.5], runningMean: [0.1, 0.2, 0.3], runningVar: [1, 2, 3], eps: 1e-5, momentum: 0.1 };

/** A Conv and a Gemm, each followed by a BatchNormalization node: what fold rewrites. */
function convGemmModel(): Uint8Array {
  const f32 = (name: string, dims: number[], values: number[]) => ({ name, dataType: 'float32' as const, dims, values });
  return encodeModel(
    {
      name: 'conv-gemm',
      nodes: [
        { opType: 'Conv', name: 'conv', inputs: ['X', 'W', 'cb'], outputs: ['c'], attributes: { kernel_shape: { ints: [1, 1] } } },
        { opType: 'BatchNormalization', name: 'bn1', inputs: ['c', 's1', 'b1', 'm1', 'v1'], outputs: ['n'], attributes: { epsilon: { float: 1e-3 } } },
        { opType: 'Flatten', name: 'flat', inputs: ['n'], outputs: ['f'] },
        { opType: 'Gemm', name: 'gemm', inputs: ['f', 'G'], outputs: ['g'], attributes: { transB: { int: 1 } } },
        { opType: 'BatchNormalization', name: 'bn2', inputs: ['g', 's2', 'b2', 'm2', 'v2'], outputs: ['Y'] },
      ],
      inputs: [{ name: 'X', dataType: 'float32', shape: ['N', 2, 1, 1] }],
      outputs: [{ name: 'Y', dataType: 'float32', shape: ['N', 2] }],
      initializers: [
        f32('W', [3, 2, 1, 1], [1, 2, 3, 4, 5, 6]),
        f32('cb', [3], [0.5, -0.5, 1]),
        f32('s1', [3], [1, 2, 3]),
        f32('b1', [3], [0, 1, 2]),
        f32('m1', [3], [0.1, 0.2, 0.3]),
        f32('v1', [3], [1, 4, 9]),
        f32('G', [2, 3], [1, 0, -1, 2, 1, 0]),
        f32('s2', [2], [1, 2]),
        f32('b2', [2], [0, 1]),
        f32('m2', [2], [0.5, -0.5]),
        f32('v2', [2], [2, 3]),
      ],
    },
    { opset: 15 },
  );
}

const BASES: readonly Uint8Array[] = [
  exportBatchNormModel(stats),
  exportBatchNormModel(stats, { layout: 'NHWC', opset: 9, dataType: 'float64' }),
  convGemmModel(),
];

/** One edit of a model's bytes; positions are taken modulo the length. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'overwrite'; at: number; bytes: number[] }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

const position = fc.nat({ max: 1 << 20 });
const someBytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: position, bytes: someBytes }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: someBytes }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

function mutate(base: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  let bytes = Uint8Array.from(base);
  for (const edit of edits) {
    const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
    if (edit.kind === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << edit.bit);
    else if (edit.kind === 'overwrite') bytes.set(edit.bytes.slice(0, bytes.length - at), at);
    else if (edit.kind === 'insert') bytes = Uint8Array.from([...bytes.subarray(0, at), ...edit.bytes, ...bytes.subarray(at)]);
    else if (edit.kind === 'delete') bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + edit.count)]);
    else bytes = bytes.slice(0, at);
  }
  return bytes;
}

/** Runs `step`; a bnkit error is an acceptable answer to bad bytes (undefined), anything else is a crash and fails the test. */
function typedOrValue<T>(step: string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (error instanceof BnError) return undefined;
    throw new Error(`${step} crashed with ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}

/** How many mutated models each tool accepted (the rest it refused with a typed error). */
interface Accepted {
  decoded: number;
  folded: number;
  replaced: number;
}

/** Every tool on the bytes: each gives a typed error or a result, and a model it returns decodes and validates. */
function exercise(bytes: Uint8Array, accepted?: Accepted): void {
  const decoded = typedOrValue('decodeModel', () => decodeModel(bytes));
  const nodes = typedOrValue('listBatchNormNodes', () => listBatchNormNodes(bytes));
  const folded = typedOrValue('foldBatchNorm', () => foldBatchNorm(bytes));
  if (folded) expect(() => decodeModel(folded.bytes)).not.toThrow();
  const first = nodes?.[0];
  const updates = first ? [{ node: first.name, gamma: new Array<number>(first.channels).fill(0.5), eps: 1e-3 }] : [{ node: 'bn', eps: 1e-3 }];
  const replaced = typedOrValue('replaceBatchNormStatistics', () => replaceBatchNormStatistics(bytes, updates));
  if (replaced) expect(() => decodeModel(replaced)).not.toThrow();
  if (accepted) {
    accepted.decoded += decoded ? 1 : 0;
    accepted.folded += folded ? 1 : 0;
    accepted.replaced += replaced ? 1 : 0;
  }
}

/** A change of one field of a decoded model, where the meaning lives: dims, element types, names, attributes, opsets. */
type FieldEdit =
  | { kind: 'dims'; tensor: number; dims: number[] }
  | { kind: 'dataType'; tensor: number; dataType: number }
  | { kind: 'rawData'; tensor: number; bytes: number[] }
  | { kind: 'input'; node: number; slot: number; name: string }
  | { kind: 'float'; node: number; value: number }
  | { kind: 'int'; node: number; name: string; value: number }
  | { kind: 'dropInitializer'; tensor: number }
  | { kind: 'opset'; version: number };

const index = fc.nat({ max: 64 });
const fieldEdit: fc.Arbitrary<FieldEdit> = fc.oneof(
  fc.record({ kind: fc.constant('dims' as const), tensor: index, dims: fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constant(2 ** 40)), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('dataType' as const), tensor: index, dataType: fc.integer({ min: 0, max: 17 }) }),
  fc.record({ kind: fc.constant('rawData' as const), tensor: index, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }) }),
  fc.record({ kind: fc.constant('input' as const), node: index, slot: fc.integer({ min: 0, max: 5 }), name: fc.constantFrom('', 'X', 'W', 's1', 'bn.scale', 'c', 'Y', 'missing') }),
  fc.record({ kind: fc.constant('float' as const), node: index, value: fc.double() }),
  fc.record({ kind: fc.constant('int' as const), node: index, name: fc.constantFrom('training_mode', 'transB', 'transA', 'axis', 'group'), value: fc.integer({ min: -1, max: 3 }) }),
  fc.record({ kind: fc.constant('dropInitializer' as const), tensor: index }),
  fc.record({ kind: fc.constant('opset' as const), version: fc.integer({ min: 0, max: 30 }) }),
);

function editFields(base: Uint8Array, edits: readonly FieldEdit[]): Uint8Array {
  const model = onnx.ModelProto.decode(base);
  const graph = model.graph as InstanceType<typeof onnx.GraphProto>;
  const tensors = graph.initializer;
  const nodes = graph.node as InstanceType<typeof onnx.NodeProto>[];
  for (const edit of edits) {
    const tensor = tensors[((edit as { tensor?: number }).tensor ?? 0) % Math.max(1, tensors.length)];
    const node = nodes[((edit as { node?: number }).node ?? 0) % Math.max(1, nodes.length)];
    if (edit.kind === 'dims' && tensor) tensor.dims = edit.dims;
    else if (edit.kind === 'dataType' && tensor) tensor.dataType = edit.dataType;
    else if (edit.kind === 'rawData' && tensor) tensor.rawData = Uint8Array.from(edit.bytes);
    else if (edit.kind === 'input' && node) node.input[edit.slot % Math.max(1, node.input.length + 1)] = edit.name;
    else if (edit.kind === 'float' && node) node.attribute.push(onnx.AttributeProto.create({ name: 'epsilon', type: 1, f: edit.value }));
    else if (edit.kind === 'int' && node) node.attribute.push(onnx.AttributeProto.create({ name: edit.name, type: 2, i: edit.value }));
    else if (edit.kind === 'dropInitializer' && tensors.length) tensors.splice(edit.tensor % tensors.length, 1);
    else if (edit.kind === 'opset' && model.opsetImport[0]) model.opsetImport[0].version = edit.version;
  }
  return onnx.ModelProto.encode(model).finish();
}

describe('mutated and truncated ONNX models (seeded fuzzing)', () => {
  it('every base model passes through every tool', () => {
    for (const base of BASES) {
      expect(() => exercise(base)).not.toThrow();
      expect(listBatchNormNodes(base).length).toBeGreaterThan(0);
    }
  });

  it('gives a typed error or a valid model for 600 mutations, never a crash', () => {
    const accepted: Accepted = { decoded: 0, folded: 0, replaced: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BASES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (base, edits) => {
        exercise(mutate(BASES[base] as Uint8Array, edits), accepted);
      }),
      { seed: 20261201, numRuns: 600 },
    );
    // The mutations reach past the decoder: some models stay valid and go all the way through.
    expect(accepted.decoded).toBeGreaterThan(20);
    expect(accepted.folded).toBeGreaterThan(20);
    expect(accepted.replaced).toBeGreaterThan(20);
  });

  it('gives a typed error for every truncation of each model', () => {
    for (const base of BASES) {
      for (let length = 0; length < base.length; length += Math.max(1, Math.floor(base.length / 150))) exercise(base.subarray(0, length));
    }
  });

  it('gives a typed error or a valid model for 600 edits of dims, types, names, attributes and opsets, never a crash', () => {
    const accepted: Accepted = { decoded: 0, folded: 0, replaced: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BASES.length - 1 }), fc.array(fieldEdit, { minLength: 1, maxLength: 3 }), (base, edits) => {
        exercise(editFields(BASES[base] as Uint8Array, edits), accepted);
      }),
      { seed: 20261202, numRuns: 600 },
    );
    expect(accepted.decoded).toBeGreaterThan(100);
    expect(accepted.folded).toBeGreaterThan(100);
    expect(accepted.replaced).toBeGreaterThan(100);
  });
});
