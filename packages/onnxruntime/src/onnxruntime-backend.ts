import {
  BACKEND_SPECIFICATION_VERSION,
  CONVENTION_NAMES,
  FEATURES,
  LAYOUTS,
  OPERATIONS,
  checkArray,
  prepareBackward,
  prepareInference,
  prepareTrainForward,
  runningStatsAfterBatch,
  type Backend,
  type BackwardInput,
  type BackwardOutput,
  type FloatArray,
  type InferenceInput,
  type InferenceOutput,
  type ShapeInfo,
  type TrainForwardInput,
  type TrainForwardOutput,
} from '@bnkit/core';
import { encodeModel, type OnnxGraph } from '@bnkit/onnx';
import type * as Ort from 'onnxruntime-node';
import { buildBackwardGraph } from './backward-graph.js';
import { GRAPH_OPSET, type GraphDataType } from './graph-parts.js';
import { buildInferenceGraph } from './inference-graph.js';
import { checkThreads, graphDataTypeOf, loadOnnxruntime, ortTensor, outputData, sessionOptions, type OrtModule } from './ort-runtime.js';
import { SessionCache } from './session-cache.js';
import { buildTrainingGraph } from './training-graph.js';

/** The default bound of the session cache. */
export const DEFAULT_SESSION_CACHE_SIZE = 32;

/** Options of `createOnnxruntimeBackend`. */
export interface OnnxruntimeBackendOptions {
  /** The most sessions kept at once (least recently used evicted first); default 32. */
  cacheSize?: number;
  /** Threads ONNX Runtime uses inside one operator; default 1, which suits BN's small graphs and shared machines. */
  intraOpNumThreads?: number;
}

/** The ONNX Runtime backend, with the size of its session cache exposed for inspection. */
export interface OnnxruntimeBackend extends Backend {
  /** Sessions cached now: at most the cache bound. */
  readonly cachedSessions: number;
}

/** A per-channel array of `c` equal values, in float64. */
function filled(c: number, value: number): Float64Array {
  return new Float64Array(c).fill(value);
}

/** The caller's buffer (checked) filled with `result`, or `result` itself. */
function intoBuffer(given: FloatArray | undefined, argument: string, result: Float32Array | Float64Array): FloatArray {
  if (given === undefined) return result;
  checkArray(argument, given, result.length, 'the size of x').set(result);
  return given;
}

/**
 * Creates the ONNX Runtime backend, registry name `onnxruntime`, over `onnxruntime-node` (a peer
 * dependency, loaded on first use). Every operation, layout, convention and feature of core:
 * - inference: a BatchNormalization node (opset 15); with `trackRunningStats: false` the
 *   training graph's y (the batch's own statistics);
 * - training forward: BatchNormalization with `training_mode = 1` for y, and a float64 branch
 *   of the same graph for the batch mean and biased variance; the running statistics are then
 *   updated in float64 by core's `runningStatsAfterBatch`, which applies each convention's momentum
 *   meaning, PyTorch's unbiased running variance and the cumulative average exactly;
 * - backward: a graph of standard operators in float64.
 *
 * Graphs compute in x's element type: Float64Array x runs float64 models, Float32Array x float32
 * ones (as ONNX models usually run). y and dx take x's element type (or are the caller's `out`
 * buffers); per-channel outputs are float64. Sessions are cached per (operation, element type,
 * layout, shape, eps) in an LRU cache of `cacheSize`; eps is a node attribute in ONNX, so it is
 * part of the graph, while momentum never reaches a graph. `dispose()` releases every session.
 * @throws BnValueError for a `cacheSize` or `intraOpNumThreads` that is not an integer >= 1.
 */
export function createOnnxruntimeBackend(options: OnnxruntimeBackendOptions = {}): OnnxruntimeBackend {
  const cache = new SessionCache<Ort.InferenceSession>(options.cacheSize ?? DEFAULT_SESSION_CACHE_SIZE, 'options.cacheSize');
  const threads = checkThreads('options.intraOpNumThreads', options.intraOpNumThreads ?? 1);

  async function run(
    key: string,
    graph: () => OnnxGraph,
    feeds: (ort: OrtModule) => Record<string, Ort.Tensor>,
  ): Promise<Ort.InferenceSession.ReturnType> {
    const ort = await loadOnnxruntime();
    const build = () => ort.InferenceSession.create(encodeModel(graph(), { opset: GRAPH_OPSET }), sessionOptions(threads));
    return cache.use(key, build, (session) => session.run(feeds(ort)));
  }

  function shapeKey(operation: string, dataType: GraphDataType, info: ShapeInfo): string {
    return `${operation}|${dataType}|${info.layout}|${info.shape.join('x')}`;
  }

  async function batchNormalise(x: FloatArray, info: ShapeInfo, eps: number, gamma: FloatArray, beta: FloatArray) {
    const t = graphDataTypeOf(x);
    const outputs = await run(
      `${shapeKey('trainForward', t, info)}|eps=${eps}`,
      () => buildTrainingGraph({ shape: info.shape, layout: info.layout, dataType: t, eps }),
      (ort) => ({ x: ortTensor(ort, t, x, info.shape), scale: ortTensor(ort, t, gamma, [info.c]), B: ortTensor(ort, t, beta, [info.c]) }),
    );
    const batchMean = Float64Array.from(outputData(outputs, 'batch_mean'));
    const batchVar = Float64Array.from(outputData(outputs, 'batch_var'));
    const invStd = Float64Array.from(batchVar, (v) => 1 / Math.sqrt(v + eps));
    return { y: outputData(outputs, 'y'), batchMean, batchVar, invStd };
  }

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: 'onnxruntime',
    capabilities: {
      operations: OPERATIONS,
      layouts: LAYOUTS,
      conventions: CONVENTION_NAMES,
      dtypes: ['float32', 'float64'],
      features: FEATURES,
    },
    get cachedSessions() {
      return cache.size;
    },
    async init() {
      await loadOnnxruntime();
    },

    async inference(request: InferenceInput): Promise<InferenceOutput> {
      const { info, options, input } = prepareInference(request);
      const gamma = options.affine ? (input.gamma as FloatArray) : filled(info.c, 1);
      const beta = options.affine ? (input.beta as FloatArray) : filled(info.c, 0);
      if (!options.trackRunningStats) {
        const { y } = await batchNormalise(input.x, info, options.eps, gamma, beta);
        return { y: intoBuffer(input.out?.y, 'out.y', y) };
      }
      const t = graphDataTypeOf(input.x);
      const eps = options.eps;
      const outputs = await run(
        `${shapeKey('inference', t, info)}|eps=${eps}`,
        () => buildInferenceGraph({ shape: info.shape, layout: info.layout, dataType: t, eps }),
        (ort) => ({
          x: ortTensor(ort, t, input.x, info.shape),
          scale: ortTensor(ort, t, gamma, [info.c]),
          B: ortTensor(ort, t, beta, [info.c]),
          mean: ortTensor(ort, t, input.runningMean as FloatArray, [info.c]),
          var: ortTensor(ort, t, input.runningVar as FloatArray, [info.c]),
        }),
      );
      return { y: intoBuffer(input.out?.y, 'out.y', outputData(outputs, 'y')) };
    },

    async trainForward(request: TrainForwardInput): Promise<TrainForwardOutput> {
      const prepared = prepareTrainForward(request);
      const { info, options, input } = prepared;
      const gamma = options.affine ? (input.gamma as FloatArray) : filled(info.c, 1);
      const beta = options.affine ? (input.beta as FloatArray) : filled(info.c, 0);
      const { y, ...stats } = await batchNormalise(input.x, info, options.eps, gamma, beta);
      const out = { y: intoBuffer(input.out?.y, 'out.y', y), ...stats };
      return { ...out, ...runningStatsAfterBatch(input, stats, prepared) };
    },

    async backward(request: BackwardInput): Promise<BackwardOutput> {
      const { info, options, input } = prepareBackward(request);
      const t = graphDataTypeOf(input.x);
      const gamma = options.affine ? (input.gamma as FloatArray) : filled(info.c, 1);
      const outputs = await run(
        shapeKey('backward', t, info),
        () => buildBackwardGraph({ shape: info.shape, layout: info.layout, dataType: t }),
        (ort) => ({
          x: ortTensor(ort, t, input.x, info.shape),
          dy: ortTensor(ort, t, input.dy, info.shape),
          gamma: ortTensor(ort, 'float64', gamma, [info.c]),
          saved_mean: ortTensor(ort, 'float64', input.savedMean, [info.c]),
          saved_inv_std: ortTensor(ort, 'float64', input.savedInvStd, [info.c]),
        }),
      );
      const dx = intoBuffer(input.out?.dx, 'out.dx', outputData(outputs, 'dx'));
      if (!options.affine) return { dx };
      return { dx, dgamma: Float64Array.from(outputData(outputs, 'dgamma')), dbeta: Float64Array.from(outputData(outputs, 'dbeta')) };
    },

    async dispose() {
      await cache.clear();
    },
  };
}
