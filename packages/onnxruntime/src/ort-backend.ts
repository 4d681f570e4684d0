import {
  BACKEND_SPECIFICATION_VERSION,
  BackendLifecycle,
  BnValueError,
  CONVENTION_NAMES,
  FEATURES,
  LAYOUTS,
  OPERATIONS,
  checkArray,
  describeValue,
  inverseStds,
  prepareBackward,
  prepareInference,
  prepareTrainForward,
  runningStatsAfterBatch,
  type Backend,
  type BackwardInput,
  type BackwardOutput,
  type DType,
  type FloatArray,
  type InferenceInput,
  type InferenceOutput,
  type Operation,
  type ShapeInfo,
  type TrainForwardInput,
  type TrainForwardOutput,
} from '@bnkit/core';
import { encodeModel, type OnnxGraph } from '@bnkit/onnx';
import { buildBackwardGraph } from './backward-graph.js';
import { engineError } from './engine-error.js';
import { GRAPH_OPSET, type GraphDataType } from './graph-parts.js';
import { buildInferenceGraph } from './inference-graph.js';
import type { OrtApi, OrtSession, OrtSessionOptions, OrtTensor } from './ort-api.js';
import { graphDataTypeOf, ortTensor, outputData } from './ort-tensors.js';
import { SessionCache } from './session-cache.js';
import { buildTrainingGraph } from './training-graph.js';

/** The default bound of the session cache. */
export const DEFAULT_SESSION_CACHE_SIZE = 32;

/** What differs between the ONNX Runtime backends: the runtime module, the session options and the name. */
export interface OrtBackendConfig {
  /** The registry name the backend and its errors carry, e.g. `onnxruntime-web`. */
  readonly name: string;
  /**
   * Loads the runtime module (`onnxruntime-node`, `onnxruntime-web`); called by `init` and before
   * each operation, so it should cache. Rejects with a `BnBackendError` saying why when the
   * engine is missing or cannot run here.
   */
  readonly load: () => Promise<OrtApi>;
  /** The options of every session (execution providers, threads, log level). */
  readonly sessionOptions: OrtSessionOptions;
  /** The most sessions kept at once; default `DEFAULT_SESSION_CACHE_SIZE`. */
  readonly cacheSize?: number;
  /** Element types x may have (an x of another is a `BnValueError`); default float32 and float64. */
  readonly dtypes?: readonly DType[];
}

/** An ONNX Runtime backend, with the size of its session cache exposed for inspection. */
export interface OrtBackend extends Backend {
  /** Sessions cached now: at most the cache bound. */
  readonly cachedSessions: number;
}

/** A per-channel array of `c` equal values, in float64. */
function filled(c: number, value: number): Float64Array {
  return new Float64Array(c).fill(value);
}

/**
 * Checks a caller's output buffer before the engine runs, so that a wrong one costs no engine call.
 * @throws BnValueError, BnShapeError naming `argument`.
 */
function checkOut(given: FloatArray | undefined, argument: string, info: ShapeInfo): void {
  if (given !== undefined) checkArray(argument, given, info.size, 'the size of x');
}

/** The caller's buffer (already checked) filled with `result`, or `result` itself. */
function intoBuffer(given: FloatArray | undefined, result: Float32Array | Float64Array): FloatArray {
  if (given === undefined) return result;
  given.set(result);
  return given;
}

function shapeKey(operation: string, dataType: GraphDataType, info: ShapeInfo): string {
  return `${operation}|${dataType}|${info.layout}|${info.shape.join('x')}`;
}

/**
 * Creates a BN backend over an ONNX Runtime module; `@bnkit/onnxruntime` passes
 * `onnxruntime-node`, `@bnkit/onnxruntime-web` passes `onnxruntime-web`. Every operation,
 * layout, convention and feature of core:
 * - inference: x minus the running mean, then a BatchNormalization node (opset 15) computing
 *   y = scale * (x - runningMean) + beta, with scale = gamma / sqrt(runningVar + eps) folded in
 *   float64 (ONNX's float32 epsilon attribute would round a tiny eps to 0); with
 *   `trackRunningStats: false` the training graph's y;
 * - training forward: a float64 branch of the graph computes the batch mean and biased variance,
 *   x minus the mean and the scale, which the same BatchNormalization node turns into y; the
 *   running statistics are then updated in float64 by core's `runningStatsAfterBatch`;
 * - backward: a graph of standard operators in float64.
 *
 * Graphs compute in x's element type; y and dx take x's type (or are the caller's `out`
 * buffers, written only after the engine has finished reading x, so an `out` that overlaps x is
 * safe); per-channel outputs are float64. Inputs in shared memory are copied before they reach
 * the engine. Sessions are cached per (operation, element type, layout, shape) in an LRU cache;
 * eps is an input, never part of a graph. The dispose contract is core's `BackendLifecycle`:
 * after `dispose()` (which releases every session) each operation throws `BnBackendError` until
 * `init()`.
 *
 * Errors: bad input is core's typed errors; an x of an element type outside `dtypes` is a
 * `BnValueError`; anything the engine throws is a `BnBackendError` naming the backend, with the
 * engine's error as `cause`.
 * @throws BnValueError for a `cacheSize` that is not an integer >= 1.
 */
export function createOrtBackend(config: OrtBackendConfig): OrtBackend {
  const { name } = config;
  const cache = new SessionCache<OrtSession>(config.cacheSize ?? DEFAULT_SESSION_CACHE_SIZE, 'options.cacheSize');
  const dtypes = config.dtypes ?? ['float32', 'float64'];
  const lifecycle = new BackendLifecycle(name);

  function checkDataType(x: FloatArray): GraphDataType {
    const dataType = graphDataTypeOf(x);
    if (!dtypes.includes(dataType)) {
      throw new BnValueError('x', `a ${dtypes.map((t) => (t === 'float32' ? 'Float32Array' : 'Float64Array')).join(' or ')} (what ${name} computes in)`, describeValue(x));
    }
    return dataType;
  }

  async function run(operation: Operation, key: string, graph: () => OnnxGraph, feeds: (ort: OrtApi) => Record<string, OrtTensor>) {
    const ort = await config.load();
    // Checked again after the await: a dispose() during the load must not let this call cache a new session.
    lifecycle.assertUsable(operation);
    try {
      const build = () => ort.InferenceSession.create(encodeModel(graph(), { opset: GRAPH_OPSET }), config.sessionOptions);
      return await cache.use(key, build, (session) => session.run(feeds(ort)));
    } catch (error) {
      throw engineError(name, `run the ${operation} graph`, error);
    }
  }

  async function batchNormalise(operation: Operation, x: FloatArray, info: ShapeInfo, eps: number, gamma: FloatArray, beta: FloatArray) {
    const t = graphDataTypeOf(x);
    const outputs = await run(
      operation,
      shapeKey('trainForward', t, info),
      () => buildTrainingGraph({ shape: info.shape, layout: info.layout, dataType: t }),
      (ort) => ({
        x: ortTensor(ort, t, x, info.shape),
        gamma: ortTensor(ort, t, gamma, [info.c]),
        B: ortTensor(ort, t, beta, [info.c]),
        eps: ortTensor(ort, 'float64', Float64Array.of(eps), [1]),
      }),
    );
    const batchMean = Float64Array.from(outputData(name, outputs, 'batch_mean'));
    const batchVar = Float64Array.from(outputData(name, outputs, 'batch_var'));
    return { y: outputData(name, outputs, 'y'), batchMean, batchVar, invStd: inverseStds(batchVar, eps) };
  }

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name,
    capabilities: {
      operations: OPERATIONS,
      layouts: LAYOUTS,
      conventions: CONVENTION_NAMES,
      dtypes,
      features: FEATURES,
    },
    get cachedSessions() {
      return cache.size;
    },
    async init() {
      await config.load();
      lifecycle.initialised();
    },

    async inference(request: InferenceInput): Promise<InferenceOutput> {
      lifecycle.assertUsable('inference');
      const { info, options, input } = prepareInference(request);
      const t = checkDataType(input.x);
      checkOut(input.out?.y, 'out.y', info);
      const gamma = options.affine ? (input.gamma as FloatArray) : filled(info.c, 1);
      const beta = options.affine ? (input.beta as FloatArray) : filled(info.c, 0);
      if (!options.trackRunningStats) {
        const { y } = await batchNormalise('inference', input.x, info, options.eps, gamma, beta);
        return { y: intoBuffer(input.out?.y, y) };
      }
      // gamma / sqrt(runningVar + eps) in float64, so that neither eps nor the variance has to fit a float32.
      const invStd = inverseStds(input.runningVar as FloatArray, options.eps);
      const scale = Float64Array.from(invStd, (s, ch) => (gamma[ch] as number) * s);
      const outputs = await run(
        'inference',
        shapeKey('inference', t, info),
        () => buildInferenceGraph({ shape: info.shape, layout: info.layout, dataType: t }),
        (ort) => ({
          x: ortTensor(ort, t, input.x, info.shape),
          scale: ortTensor(ort, t, scale, [info.c]),
          B: ortTensor(ort, t, beta, [info.c]),
          mean: ortTensor(ort, t, input.runningMean as FloatArray, [info.c]),
        }),
      );
      return { y: intoBuffer(input.out?.y, outputData(name, outputs, 'y')) };
    },

    async trainForward(request: TrainForwardInput): Promise<TrainForwardOutput> {
      lifecycle.assertUsable('trainForward');
      const prepared = prepareTrainForward(request);
      const { info, options, input } = prepared;
      checkDataType(input.x);
      checkOut(input.out?.y, 'out.y', info);
      const gamma = options.affine ? (input.gamma as FloatArray) : filled(info.c, 1);
      const beta = options.affine ? (input.beta as FloatArray) : filled(info.c, 0);
      const { y, ...stats } = await batchNormalise('trainForward', input.x, info, options.eps, gamma, beta);
      const out = { y: intoBuffer(input.out?.y, y), ...stats };
      return { ...out, ...runningStatsAfterBatch(input, stats, prepared) };
    },

    async backward(request: BackwardInput): Promise<BackwardOutput> {
      lifecycle.assertUsable('backward');
      const { info, options, input } = prepareBackward(request);
      const t = checkDataType(input.x);
      checkOut(input.out?.dx, 'out.dx', info);
      const gamma = options.affine ? (input.gamma as FloatArray) : filled(info.c, 1);
      const outputs = await run(
        'backward',
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
      const dx = intoBuffer(input.out?.dx, outputData(name, outputs, 'dx'));
      if (!options.affine) return { dx };
      return { dx, dgamma: Float64Array.from(outputData(name, outputs, 'dgamma')), dbeta: Float64Array.from(outputData(name, outputs, 'dbeta')) };
    },

    async dispose() {
      lifecycle.disposed();
      try {
        await cache.clear();
      } catch (error) {
        throw engineError(name, 'release its sessions', error);
      }
    },
  };
}
