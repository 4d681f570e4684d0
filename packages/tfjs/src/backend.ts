import * as tf from '@tensorflow/tfjs';
import {
  BACKEND_SPECIFICATION_VERSION,
  BackendLifecycle,
  BnBackendError,
  BnValueError,
  CONVENTION_NAMES,
  FEATURES,
  LAYOUTS,
  OPERATIONS,
  checkArray,
  describeValue,
  prepareBackward,
  prepareInference,
  prepareTrainForward,
  runningStatsAfterBatch,
  type Backend,
  type BackwardOutput,
  type FloatArray,
  type InferenceOutput,
  type ResolvedOptions,
  type TrainForwardOutput,
} from '@bnkit/core';
import { autodiffBackwardOnView } from './autodiff-backward.js';
import { closedFormBackwardOnView } from './backward.js';
import { batchMeans, readAndDispose } from './batch-mean.js';
import { channelView, type ChannelView } from './channel-view.js';
import { TFJS_KINDS, loadTfjsBackend, runOnTfjsBackend, type TfjsKind } from './engine.js';
import { inferenceOnView, trainForwardOnView, type AffineTensors } from './normalize.js';
import { splitValue } from './split-value.js';

/** How `backward` computes: the closed form in tfjs ops, or tfjs autodiff over the training forward. */
export type TfjsBackwardMethod = 'closed-form' | 'autodiff';

/** Settings of a tfjs backend. */
export interface TfjsBackendSettings {
  /** Default `closed-form`. `autodiff` recomputes the batch statistics from x (see README). */
  backward?: TfjsBackwardMethod;
}

/** x and dy must be float32: tfjs has no float64, and rounding them would change the problem. */
function checkFloat32(argument: string, value: FloatArray): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new BnValueError(argument, 'a Float32Array (tfjs computes in float32; the backend declares dtype float32 only)', describeValue(value));
  }
  return value;
}

/** Parameters may be float64; they are rounded to float32, which changes them by at most 6e-8 relative. */
function paramTensor(values: FloatArray, view: ChannelView): tf.Tensor {
  return tf.tensor(values instanceof Float32Array ? values : Float32Array.from(values), [...view.paramShape], 'float32');
}

function affineTensors(input: { gamma?: FloatArray; beta?: FloatArray }, options: ResolvedOptions, view: ChannelView): AffineTensors {
  if (!options.affine) return {};
  return {
    gamma: paramTensor(input.gamma as FloatArray, view),
    beta: input.beta ? paramTensor(input.beta, view) : undefined,
  };
}

/**
 * Checks a caller's output buffer before any work is done.
 * @throws BnValueError, BnShapeError naming `out.y` or `out.dx`.
 */
function checkOut(argument: string, out: FloatArray | undefined, size: number): void {
  if (out !== undefined) checkArray(argument, out, size, 'the size of x');
}

/** Copies `values` into the caller's (checked) buffer when one was given, else returns them. */
function deliver(values: Float32Array, out: FloatArray | undefined): FloatArray {
  if (!out) return values;
  out.set(values);
  return out;
}

/**
 * A bnkit backend over TensorFlow.js, named `tfjs-<kind>`: `cpu`, `wasm` (its binaries are found
 * in the installed `@tensorflow/tfjs-backend-wasm` in Node, where `setTfjsWasmPaths` says in a
 * browser), `webgl` or `webgpu` (browsers with WebGL, or with a WebGPU adapter). tfjs keeps one global
 * engine with one active backend, so every operation switches to this backend with
 * `tf.setBackend`, runs, and switches back to the previously active one; operations of all tfjs
 * backends are serialised, so a cpu call and a wasm call never interleave. Code that uses tfjs
 * while a call is waiting may find this backend active.
 *
 * Every layout, convention and feature of core. x and dy must be Float32Array (BnValueError
 * otherwise); parameters and running statistics may be Float32Array or Float64Array. Outputs are
 * Float32Array except `batchMean`, a Float64Array accurate to float32 rounding of the spread,
 * and of the mean itself when the mean is near zero (see `batchMeans`). Running statistics are
 * Float64Array, updated in float64 by core's `runningStatsAfterBatch` from those batch statistics.
 * Operations initialise the backend on first use if `init()` was not called; after `dispose()`
 * they throw BnBackendError naming the backend until `init()` is called again (core's
 * `BackendLifecycle`). `init()` rejects with the reason when the environment lacks the engine.
 * @throws BnBackendError for an unknown kind.
 */
export function createTfjsBackend(kind: TfjsKind, settings: TfjsBackendSettings = {}): Backend {
  if (!TFJS_KINDS.includes(kind)) {
    throw new BnBackendError('kind', `one of ${TFJS_KINDS.map((k) => JSON.stringify(k)).join(', ')}`, describeValue(kind));
  }
  const method = settings.backward ?? 'closed-form';
  if (method !== 'closed-form' && method !== 'autodiff') {
    throw new BnBackendError('settings.backward', `"closed-form" or "autodiff"`, describeValue(method));
  }
  const name = `tfjs-${kind}`;
  const lifecycle = new BackendLifecycle(name);
  let loading: Promise<void> | undefined;

  /** Loads the engine once; a failed load is forgotten so that the next call tries again. */
  function load(): Promise<void> {
    loading ??= loadTfjsBackend(kind).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  }

  async function ready(operation: string): Promise<void> {
    lifecycle.assertUsable(operation);
    await load();
  }

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name,
    capabilities: {
      operations: OPERATIONS,
      layouts: LAYOUTS,
      conventions: CONVENTION_NAMES,
      dtypes: ['float32'],
      features: FEATURES,
    },

    async init() {
      await load();
      lifecycle.initialised();
    },

    async inference(request): Promise<InferenceOutput> {
      const { info, options, input } = prepareInference(request);
      const x = checkFloat32('x', input.x);
      checkOut('out.y', input.out?.y, info.size);
      await ready('inference');
      const view = channelView(info);
      const y = await runOnTfjsBackend(kind, async () => {
        const result = tf.tidy(() => {
          const xv = tf.tensor(x, [...view.shape], 'float32');
          const affine = affineTensors(input, options, view);
          return options.trackRunningStats
            ? inferenceOnView(
                xv,
                view,
                splitValue(input.runningMean as FloatArray, view.paramShape),
                paramTensor(input.runningVar as FloatArray, view),
                options.eps,
                affine,
              )
            : trainForwardOnView(xv, view, options.eps, affine).y;
        });
        const [values] = await readAndDispose([result]);
        return values as Float32Array;
      });
      return { y: deliver(y, input.out?.y) };
    },

    async trainForward(request): Promise<TrainForwardOutput> {
      const prepared = prepareTrainForward(request);
      const { info, options, input } = prepared;
      const x = checkFloat32('x', input.x);
      checkOut('out.y', input.out?.y, info.size);
      await ready('trainForward');
      const view = channelView(info);
      const output = await runOnTfjsBackend(kind, async () => {
        // x outlives the first read: a batch mean near zero is summed again from it.
        const xv = tf.tensor(x, [...view.shape], 'float32');
        try {
          const tensors = tf.tidy(() => {
            const forward = trainForwardOnView(xv, view, options.eps, affineTensors(input, options, view));
            return [forward.y, forward.moments.shift, forward.moments.meanOffset, forward.moments.variance, forward.invStd];
          });
          const [y, shift, meanOffset, variance, invStd] = (await readAndDispose(tensors)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
          return { y, batchMean: await batchMeans(xv, view, { shift, meanOffset, variance }), batchVar: variance, invStd };
        } finally {
          xv.dispose();
        }
      });
      // In float64 from the float64 batch mean, as every backend does (core's rule, one place).
      return { ...output, ...runningStatsAfterBatch(input, output, prepared), y: deliver(output.y, input.out?.y) };
    },

    async backward(request): Promise<BackwardOutput> {
      const { info, options, input } = prepareBackward(request);
      const x = checkFloat32('x', input.x);
      const dy = checkFloat32('dy', input.dy);
      checkOut('out.dx', input.out?.dx, info.size);
      await ready('backward');
      const view = channelView(info);
      const output = await runOnTfjsBackend(kind, async () => {
        const tensors = tf.tidy(() => {
          const xv = tf.tensor(x, [...view.shape], 'float32');
          const dyv = tf.tensor(dy, [...view.shape], 'float32');
          const gamma = options.affine ? paramTensor(input.gamma as FloatArray, view) : undefined;
          const grads =
            method === 'autodiff'
              ? autodiffBackwardOnView(xv, dyv, view, options.eps, gamma)
              : closedFormBackwardOnView(xv, dyv, view, splitValue(input.savedMean, view.paramShape), paramTensor(input.savedInvStd, view), gamma);
          return grads.dgamma && grads.dbeta ? [grads.dx, grads.dgamma, grads.dbeta] : [grads.dx];
        });
        const [dx, dgamma, dbeta] = await readAndDispose(tensors);
        const result: BackwardOutput = { dx: dx as Float32Array };
        if (dgamma && dbeta) {
          result.dgamma = dgamma;
          result.dbeta = dbeta;
        }
        return result;
      });
      return { ...output, dx: deliver(output.dx as Float32Array, input.out?.dx) };
    },

    async dispose() {
      // The adapter holds no tensors between calls (each call frees its own); the tfjs backend
      // itself stays registered because other code in the process may use it.
      lifecycle.disposed();
      loading = undefined;
    },
  };
}
