/**
 * Test models and data shared by the tests of this package and the CLI's (`@bnkit/models/test`):
 * a ResNet-like model built with `@bnkit/onnx`'s encoder, as PyTorch exports it with BN kept.
 */
import { CONVENTIONS, DEFAULT_ONNX_OPSET, convertMomentum } from '@bnkit/core';
import { createPrng } from '@bnkit/spec';
import { encodeModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from '@bnkit/onnx';
import { loadOrt } from './ort-session.js';

/** The BN nodes of the test ResNet: name, input X, channels, rank of X. */
export interface TestBatchNorm {
  name: string;
  x: string;
  y: string;
  channels: number;
  rank: number;
}

/** Statistics a test model is built with, by BN node name. */
export type TestStatistics = ReadonlyMap<string, { mean: ArrayLike<number>; variance: ArrayLike<number> }>;

/** How to build the test model. */
export interface TestModelOptions {
  /** BN statistics to use instead of the stale ones (mean 0, variance 1). */
  statistics?: TestStatistics;
  /** Also output every BN input X. */
  captureInputs?: boolean;
  /**
   * Normalise every BN with its batch's statistics, written out as plain ops (Cast, ReduceMean,
   * Sub, Mul, Sqrt, Div) instead of BatchNormalization: the test's own train-mode model.
   */
  batchStatistics?: boolean;
}

/** The eps of every BN node of the test models: PyTorch's default, as its exporter writes it. */
export const EPS = CONVENTIONS.pytorch.defaultEps;
export const INPUT_SHAPE = [4, 3, 8, 8] as const;

/** The ResNet-like model's BN nodes in topological order, named as a PyTorch export names them. */
export const RESNET_BATCH_NORMS: readonly TestBatchNorm[] = [
  { name: '/bn1/BatchNormalization', x: 'conv1_out', y: 'bn1_out', channels: 8, rank: 4 },
  { name: '/layer1/0/bn1/BatchNormalization', x: 'l1_conv1_out', y: 'l1_bn1_out', channels: 8, rank: 4 },
  { name: '/layer1/0/bn2/BatchNormalization', x: 'l1_conv2_out', y: 'l1_bn2_out', channels: 8, rank: 4 },
  { name: '/layer2/0/bn1/BatchNormalization', x: 'l2_conv1_out', y: 'l2_bn1_out', channels: 16, rank: 4 },
  { name: '/layer2/0/bn2/BatchNormalization', x: 'l2_conv2_out', y: 'l2_bn2_out', channels: 16, rank: 4 },
  { name: '/layer2/0/downsample/1/BatchNormalization', x: 'l2_down_out', y: 'l2_down_bn_out', channels: 16, rank: 4 },
  { name: '/fc_bn/BatchNormalization', x: 'fc_out', y: 'logits', channels: 10, rank: 2 },
];

function weights(name: string, dims: number[], seed: number, scale: number): OnnxTensor {
  const prng = createPrng(seed);
  const count = dims.reduce((a, b) => a * b, 1);
  return { name, dataType: 'float32', dims, values: Float32Array.from({ length: count }, () => prng.normal() * scale) };
}

function conv(name: string, x: string, out: string, w: OnnxTensor, stride: number, pad: number): OnnxNode {
  const k = w.dims[2] as number;
  return {
    name,
    opType: 'Conv',
    inputs: [x, w.name],
    outputs: [out],
    attributes: { kernel_shape: { ints: [k, k] }, strides: { ints: [stride, stride] }, pads: { ints: [pad, pad, pad, pad] } },
  };
}

/** The nodes and initializers of one BN, as an ONNX BatchNormalization or as plain batch-statistics ops. */
function batchNorm(bn: TestBatchNorm, options: TestModelOptions, seed: number): { nodes: OnnxNode[]; initializers: OnnxTensor[] } {
  const c = bn.channels;
  const prng = createPrng(seed);
  const gamma = Float32Array.from({ length: c }, () => 0.5 + prng.next());
  const beta = Float32Array.from({ length: c }, () => prng.next() - 0.5);
  const p = bn.name.split('/').filter(Boolean).slice(0, -1).join('.');
  if (options.batchStatistics) {
    const axes = bn.rank === 4 ? [0, 2, 3] : [0];
    const shape = bn.rank === 4 ? [1, c, 1, 1] : [1, c];
    return {
      initializers: [
        { name: `${p}_g`, dataType: 'float64', dims: shape, values: Float64Array.from(gamma) },
        { name: `${p}_b`, dataType: 'float64', dims: shape, values: Float64Array.from(beta) },
        { name: `${p}_eps`, dataType: 'float64', dims: [], values: [Math.fround(EPS)] },
      ],
      nodes: [
        { opType: 'Cast', inputs: [bn.x], outputs: [`${p}_x64`], attributes: { to: { int: 11 } } },
        { opType: 'ReduceMean', inputs: [`${p}_x64`], outputs: [`${p}_mu`], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
        { opType: 'Sub', inputs: [`${p}_x64`, `${p}_mu`], outputs: [`${p}_d`] },
        { opType: 'Mul', inputs: [`${p}_d`, `${p}_d`], outputs: [`${p}_d2`] },
        { opType: 'ReduceMean', inputs: [`${p}_d2`], outputs: [`${p}_var`], attributes: { axes: { ints: axes }, keepdims: { int: 1 } } },
        { opType: 'Add', inputs: [`${p}_var`, `${p}_eps`], outputs: [`${p}_ve`] },
        { opType: 'Sqrt', inputs: [`${p}_ve`], outputs: [`${p}_sd`] },
        { opType: 'Div', inputs: [`${p}_d`, `${p}_sd`], outputs: [`${p}_n`] },
        { opType: 'Mul', inputs: [`${p}_n`, `${p}_g`], outputs: [`${p}_ng`] },
        { opType: 'Add', inputs: [`${p}_ng`, `${p}_b`], outputs: [`${p}_y64`] },
        { opType: 'Cast', inputs: [`${p}_y64`], outputs: [bn.y], attributes: { to: { int: 1 } } },
      ],
    };
  }
  const given = options.statistics?.get(bn.name);
  return {
    initializers: [
      { name: `${p}.weight`, dataType: 'float32', dims: [c], values: gamma },
      { name: `${p}.bias`, dataType: 'float32', dims: [c], values: beta },
      { name: `${p}.running_mean`, dataType: 'float32', dims: [c], values: Float32Array.from(given?.mean ?? new Float32Array(c)) },
      { name: `${p}.running_var`, dataType: 'float32', dims: [c], values: Float32Array.from(given?.variance ?? new Float32Array(c).fill(1)) },
    ],
    nodes: [
      {
        name: bn.name,
        opType: 'BatchNormalization',
        inputs: [bn.x, `${p}.weight`, `${p}.bias`, `${p}.running_mean`, `${p}.running_var`],
        outputs: [bn.y],
        attributes: { epsilon: { float: EPS }, momentum: { float: convertMomentum(CONVENTIONS.pytorch.defaultMomentum, 'pytorch', 'onnx') as number } },
      },
    ],
  };
}

/**
 * A small ResNet as PyTorch exports it with BN kept (opset 15): a stem Conv-BN-Relu, a basic
 * block with a residual Add, a strided block whose downsample branch (1x1 Conv, stride 2) has its
 * own BN, global average pooling, and a Gemm followed by a BN over its [N, 10] output (NC).
 * Input `input` [N, 3, 8, 8] float32, output `logits` [N, 10].
 */
export function buildResnetModel(options: TestModelOptions = {}): Uint8Array {
  const w = {
    conv1: weights('conv1.weight', [8, 3, 3, 3], 11, 0.4),
    l1c1: weights('layer1.0.conv1.weight', [8, 8, 3, 3], 12, 0.2),
    l1c2: weights('layer1.0.conv2.weight', [8, 8, 3, 3], 13, 0.2),
    l2c1: weights('layer2.0.conv1.weight', [16, 8, 3, 3], 14, 0.2),
    l2c2: weights('layer2.0.conv2.weight', [16, 16, 3, 3], 15, 0.15),
    l2d: weights('layer2.0.downsample.0.weight', [16, 8, 1, 1], 16, 0.5),
    fc: weights('fc.weight', [10, 16], 17, 0.5),
    fcb: weights('fc.bias', [10], 18, 0.1),
  };
  const bns = RESNET_BATCH_NORMS.map((bn, i) => batchNorm(bn, options, 100 + i));
  const [bn1, l1b1, l1b2, l2b1, l2b2, l2bd, fcbn] = bns.map((b) => b.nodes) as OnnxNode[][];
  const nodes: OnnxNode[] = [
    conv('/conv1/Conv', 'input', 'conv1_out', w.conv1, 1, 1),
    ...(bn1 as OnnxNode[]),
    { name: '/relu/Relu', opType: 'Relu', inputs: ['bn1_out'], outputs: ['stem_out'] },
    conv('/layer1/0/conv1/Conv', 'stem_out', 'l1_conv1_out', w.l1c1, 1, 1),
    ...(l1b1 as OnnxNode[]),
    { name: '/layer1/0/relu/Relu', opType: 'Relu', inputs: ['l1_bn1_out'], outputs: ['l1_relu1_out'] },
    conv('/layer1/0/conv2/Conv', 'l1_relu1_out', 'l1_conv2_out', w.l1c2, 1, 1),
    ...(l1b2 as OnnxNode[]),
    { name: '/layer1/0/Add', opType: 'Add', inputs: ['l1_bn2_out', 'stem_out'], outputs: ['l1_sum'] },
    { name: '/layer1/0/relu_1/Relu', opType: 'Relu', inputs: ['l1_sum'], outputs: ['l1_out'] },
    conv('/layer2/0/conv1/Conv', 'l1_out', 'l2_conv1_out', w.l2c1, 2, 1),
    ...(l2b1 as OnnxNode[]),
    { name: '/layer2/0/relu/Relu', opType: 'Relu', inputs: ['l2_bn1_out'], outputs: ['l2_relu1_out'] },
    conv('/layer2/0/conv2/Conv', 'l2_relu1_out', 'l2_conv2_out', w.l2c2, 1, 1),
    ...(l2b2 as OnnxNode[]),
    conv('/layer2/0/downsample/0/Conv', 'l1_out', 'l2_down_out', w.l2d, 2, 0),
    ...(l2bd as OnnxNode[]),
    { name: '/layer2/0/Add', opType: 'Add', inputs: ['l2_bn2_out', 'l2_down_bn_out'], outputs: ['l2_sum'] },
    { name: '/layer2/0/relu_1/Relu', opType: 'Relu', inputs: ['l2_sum'], outputs: ['l2_out'] },
    { name: '/avgpool/GlobalAveragePool', opType: 'GlobalAveragePool', inputs: ['l2_out'], outputs: ['pooled'] },
    { name: '/Flatten', opType: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: { axis: { int: 1 } } },
    { name: '/fc/Gemm', opType: 'Gemm', inputs: ['flat', 'fc.weight', 'fc.bias'], outputs: ['fc_out'], attributes: { transB: { int: 1 } } },
    ...(fcbn as OnnxNode[]),
  ];
  const captured = options.captureInputs ? RESNET_BATCH_NORMS : [];
  const outputs: OnnxValueInfo[] = [
    { name: 'logits', dataType: 'float32', shape: ['N', 10] },
    ...captured.map((bn) => ({ name: bn.x, dataType: 'float32' as const, shape: bn.rank === 4 ? ['N', bn.channels, `${bn.x}_h`, `${bn.x}_w`] : ['N', bn.channels] })),
  ];
  const graph: OnnxGraph = {
    name: 'resnet_like',
    nodes,
    inputs: [{ name: 'input', dataType: 'float32', shape: ['N', 3, 8, 8] }],
    outputs,
    initializers: [...Object.values(w), ...bns.flatMap((b) => b.initializers)],
  };
  return encodeModel(graph, { opset: DEFAULT_ONNX_OPSET, producerName: 'pytorch' });
}

/** `count` batches of input data far from the stale statistics (mean 2, spread 3), the last one smaller. */
export function calibrationBatches(count: number, seed = 7): Float32Array[] {
  const prng = createPrng(seed);
  const per = INPUT_SHAPE.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, (_, b) => {
    const n = b === count - 1 ? 3 : (INPUT_SHAPE[0] as number);
    return Float32Array.from({ length: n * per }, () => 2 + 3 * prng.normal());
  });
}

/** The dims of one batch of `calibrationBatches`. */
export function batchDims(batch: Float32Array): number[] {
  const per = INPUT_SHAPE.slice(1).reduce((a, b) => a * b, 1);
  return [batch.length / per, ...INPUT_SHAPE.slice(1)];
}

/** Runs a model in ONNX Runtime with optimisations off and returns the named outputs. */
export async function runOutputs(bytes: Uint8Array, input: Float32Array, names: readonly string[]): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input, batchDims(input)) }, [...names]);
    return Object.fromEntries(names.map((n) => [n, { data: out[n]?.data as Float32Array, dims: out[n]?.dims ?? [] }]));
  } finally {
    await session.release();
  }
}
