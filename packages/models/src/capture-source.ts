import { BnBackendError, BnValueError, describeValue, type FloatArray } from '@bnkit/core';
import { createPrng } from '@bnkit/spec';
import { listBatchNormNodes, onnxSchema, parseModelProto, type BnNodeStatistics, type ExternalDataResolver } from '@bnkit/onnx';
import { float16ToFloat32 } from 'npyjs';
import { checkCalibrationData, type CalibrationData, type CalibrationTensor, type DeclaredInput } from './calibration-data.js';
import { createBatchNormCapture } from './capture.js';
import { inlineExternalData } from './inline-external-data.js';
import { createRunSession, loadOrt, type OrtTensor, type RunSessionOptions } from './ort-session.js';

/** A float tensor as captured from a run: dims and row-major values (float16 widened to float32). */
export interface CapturedArray {
  dims: readonly number[];
  data: Float32Array | Float64Array;
}

/** What a comparison needs to know of one BN node besides its captured tensors. */
export interface CapturedNodeInfo {
  /** Position among the BN nodes, in graph (topological) order. */
  order: number;
  /** Index in the graph's node list. */
  index: number;
  name: string;
  /** The name, or `#index` when unnamed. */
  label: string;
  /** What produces X: an op type, `graph input` or `initializer`. */
  producer: string;
  channels: number;
  /** The epsilon attribute as stored (a float32 value). */
  eps: number;
  gamma?: FloatArray;
  beta?: FloatArray;
  mean?: FloatArray;
  variance?: FloatArray;
  /** Why the node cannot be recomputed (statistics supplied at run time, training mode). */
  skipped?: string;
}

/** One batch of a capture: each BN node's X and Y (by order), and the model outputs unfused and fused. */
export interface CapturedBatch {
  nodes: { x: CapturedArray; y: CapturedArray }[];
  /** Model outputs with ONNX Runtime's graph optimisations off. */
  unfused: Record<string, CapturedArray>;
  /** The same outputs with every optimisation on (BN fused into Conv where it follows one). */
  fused: Record<string, CapturedArray>;
}

/** Captured batches to compare: from a model run now, or from files saved by an earlier run. */
export interface CaptureSource {
  /** The BN nodes, in graph order. */
  readonly nodes: readonly CapturedNodeInfo[];
  /** The model's float outputs compared between the fused and the unfused model. */
  readonly outputs: readonly string[];
  readonly batches: number;
  /** Where the inputs came from: `data`, `random` (with `seed`) or `saved` (with `from`, the folder). */
  readonly origin: { kind: 'data' | 'random' | 'saved'; seed?: number; from?: string };
  read(i: number): Promise<CapturedBatch>;
  release(): Promise<void>;
}

/** Options of `captureFromModel`. */
export interface CaptureFromModelOptions {
  /** The model's inputs; without it, `randomBatches` batches of seeded normal values of the declared shapes. */
  data?: CalibrationData;
  /** Batches of random inputs; default 1. */
  randomBatches?: number;
  /** Seed of the random inputs; default 1. */
  seed?: number;
  /** The size given to a symbolic or unknown input dim for random inputs; default 2. */
  symbolicDim?: number;
  externalData?: ExternalDataResolver;
  session?: RunSessionOptions;
}

/**
 * A captured array from an ONNX Runtime tensor of float32, float64 or float16 (widened exactly
 * to float32); undefined for other element types.
 */
export function capturedArray(tensor: OrtTensor): CapturedArray | undefined {
  const dims = [...tensor.dims];
  if (tensor.type === 'float32' || tensor.type === 'float64') return { dims, data: tensor.data as Float32Array | Float64Array };
  if (tensor.type === 'float16') return { dims, data: Float32Array.from(tensor.data as Uint16Array, float16ToFloat32) };
  return undefined;
}

function producerText(node: BnNodeStatistics): string {
  return node.producer.kind === 'node' ? node.producer.opType : node.producer.kind === 'graph-input' ? 'graph input' : 'initializer';
}

function nodeInfo(node: BnNodeStatistics): CapturedNodeInfo {
  const info: CapturedNodeInfo = {
    order: node.order,
    index: node.index,
    name: node.name,
    label: node.name || `#${node.index}`,
    producer: producerText(node),
    channels: node.channels,
    eps: node.eps,
  };
  if (node.trainingMode) return { ...info, skipped: 'training_mode=1: the node normalises with batch statistics, not its stored ones' };
  const { gamma, beta, runningMean, runningVar } = node;
  if (!gamma || !beta || !runningMean || !runningVar) {
    const unread = Object.values(node.sources).find((s) => s.unread !== undefined);
    return { ...info, skipped: `statistics not known before run time (${unread?.tensor ?? '?'}: ${unread?.unread ?? 'unread'})` };
  }
  return { ...info, gamma, beta, mean: runningMean, variance: runningVar };
}

function declaredInputs(model: ReturnType<typeof parseModelProto>): DeclaredInput[] {
  const initializers = new Set((model.graph?.initializer ?? []).map((t) => t.name ?? ''));
  return (model.graph?.input ?? [])
    .filter((v) => !initializers.has(v.name ?? ''))
    .map((v) => {
      const tensorType = v.type?.tensorType;
      const dims = tensorType?.shape?.dim;
      return {
        name: v.name ?? '',
        elemType: tensorType?.elemType ?? 0,
        shape: dims ? dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : '')) : undefined,
      };
    });
}

/**
 * Seeded normal inputs of the declared shapes (the PRNG of `@bnkit/spec`), float32 or float64; a symbolic or
 * unknown dim takes `symbolicDim`.
 * @throws BnValueError for an input of another element type or of undeclared rank.
 */
export function randomBatches(inputs: readonly DeclaredInput[], batches: number, seed: number, symbolicDim: number): Record<string, CalibrationTensor>[] {
  const prng = createPrng(seed);
  return Array.from({ length: batches }, () => {
    const batch: Record<string, CalibrationTensor> = {};
    for (const input of inputs) {
      if (input.elemType !== 1 && input.elemType !== 11) {
        throw new BnValueError(`model input ${describeValue(input.name)}`, 'float32 or float64 for random inputs (give --data for other types)', `ONNX element type ${input.elemType}`);
      }
      if (input.shape === undefined) throw new BnValueError(`model input ${describeValue(input.name)}`, 'a declared shape for random inputs (or --data)', 'no shape');
      const dims = input.shape.map((d) => (typeof d === 'number' && d > 0 ? d : symbolicDim));
      const count = dims.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: count }, () => prng.normal());
      batch[input.name] = input.elemType === 1 ? { dataType: 'float32', dims, data: Float32Array.from(values) } : { dataType: 'float64', dims, data: Float64Array.from(values) };
    }
    return batch;
  });
}

function floatOutputs(results: Record<string, OrtTensor>, names: readonly string[]): Record<string, CapturedArray> {
  const out: Record<string, CapturedArray> = {};
  for (const name of names) {
    const tensor = results[name];
    const array = tensor ? capturedArray(tensor) : undefined;
    if (array) out[name] = array;
  }
  return out;
}

/**
 * Captures a model's BN nodes in ONNX Runtime: every batch runs once with graph optimisations off
 * and each BN node's X and Y captured (`createBatchNormCapture`), and the whole model runs twice
 * more, optimisations off and all on, for its outputs. Data is checked against the model's
 * inputs before any run.
 * @throws BnValueError for data that does not fit (naming the file) or random inputs the model
 *   cannot take; OnnxFormatError for an invalid model; BnBackendError when ONNX Runtime cannot load it.
 */
export async function captureFromModel(bytes: Uint8Array, options: CaptureFromModelOptions = {}): Promise<CaptureSource> {
  const externalData = options.externalData;
  const listed = listBatchNormNodes(bytes, externalData ? { externalData } : {});
  const proto = inlineExternalData(parseModelProto(bytes, 'model'), externalData);
  const inputs = declaredInputs(proto);
  const seed = options.seed ?? 1;
  const data = options.data ?? null;
  const random = data ? [] : randomBatches(inputs, options.randomBatches ?? 1, seed, options.symbolicDim ?? 2);
  if (data) await checkCalibrationData(data, inputs);
  const runnable = externalData ? onnxSchema.ModelProto.encode(proto).finish() : bytes;
  const outputs = (proto.graph?.output ?? []).map((v) => v.name ?? '');
  const ort = await loadOrt();
  // A model without BN nodes has nothing to capture (and a capture model without outputs would not load).
  const capture = listed.length > 0 ? await createBatchNormCapture(runnable, options.session ? { session: options.session } : {}) : undefined;
  const unfused = await createRunSession(runnable, options.session);
  const fused = await ort.InferenceSession.create(runnable, { graphOptimizationLevel: 'all', logSeverityLevel: 3 }).catch((error: unknown) => {
    throw new BnBackendError('onnxruntime-node', 'a model ONNX Runtime can load with its optimisations on', (error as Error).message.split('\n')[0] ?? String(error));
  });
  const feedsOf = async (i: number): Promise<Record<string, OrtTensor>> => {
    const batch = data ? await data.read(i) : (random[i] as Record<string, CalibrationTensor>);
    const feeds: Record<string, OrtTensor> = {};
    for (const input of inputs) {
      const t = batch[input.name] as CalibrationTensor;
      feeds[input.name] = new ort.Tensor(t.dataType as 'float32', t.data as Float32Array, [...t.dims]);
    }
    return feeds;
  };
  const nodes = listed.map(nodeInfo);
  return {
    nodes,
    outputs,
    batches: data ? data.batches : random.length,
    origin: data ? { kind: 'data' } : { kind: 'random', seed },
    async read(i) {
      const feeds = await feedsOf(i);
      const captured = capture ? await capture.run(Object.fromEntries(capture.inputs.map((name) => [name, feeds[name] as OrtTensor]))) : [];
      const batchNodes = captured.map(({ site, x, y }) => {
        const cx = capturedArray(x);
        const cy = capturedArray(y);
        if (!cx || !cy) throw new BnValueError(`node ${describeValue(site.label)}`, 'float16, float32 or float64 X and Y', `${x.type} and ${y.type}`);
        return { x: cx, y: cy };
      });
      return {
        nodes: batchNodes,
        unfused: floatOutputs(await unfused.run(feeds), outputs),
        fused: floatOutputs(await fused.run(feeds), outputs),
      };
    },
    async release() {
      await capture?.release();
      await unfused.release();
      await fused.release();
    },
  };
}
