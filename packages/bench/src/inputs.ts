import {
  biasedVariance,
  channelMoments,
  describeShape,
  type Backend,
  type BackwardInput,
  type InferenceInput,
  type Layout,
  type Operation,
  type TrainForwardInput,
} from '@bnkit/core';

/**
 * A backend that can place tensors where it works on them fastest (the cpu backend's shared
 * WebAssembly memory). The harness allocates a backend's x, dy and output buffers through it when
 * present, and plain Float32Arrays otherwise.
 */
export interface AllocatingBackend extends Backend {
  allocate(length: number): Float32Array;
  /** Returns an array from `allocate`. */
  free(array: Float32Array): void;
}

/** True when `backend` offers `allocate(length)`. */
export function hasAllocator(backend: Backend): backend is AllocatingBackend {
  const candidate = backend as Partial<AllocatingBackend>;
  return typeof candidate.allocate === 'function' && typeof candidate.free === 'function';
}

/** One case's data, shared by every backend (copied into a backend's own buffers when it allocates). */
export interface CaseData {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly x: Float32Array;
  readonly dy: Float32Array;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly savedMean: Float32Array;
  readonly savedInvStd: Float32Array;
}

/** Deterministic pseudo-random values in [-1, 1) (xorshift32). */
function fill(array: Float32Array, seed: number, offset: number, spread: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < array.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    array[i] = offset + spread * (s / 2147483648 - 1);
  }
}

/**
 * Builds a case's inputs: x and dy pseudo-random, parameters per channel, and the saved
 * statistics backward needs (x's float64 batch mean and inverse std, eps 1e-5).
 * @throws BnShapeError when the shape does not fit the layout.
 */
export function caseData(shape: readonly number[], layout: Layout): CaseData {
  const info = describeShape(shape, layout);
  const x = new Float32Array(info.size);
  fill(x, 1, 0.5, 2);
  const dy = new Float32Array(info.size);
  fill(dy, 2, 0, 1);
  const perChannel = (seed: number, offset: number, spread: number): Float32Array => {
    const a = new Float32Array(info.c);
    fill(a, seed, offset, spread);
    return a;
  };
  const moments = channelMoments(x, info);
  return {
    shape,
    layout,
    x,
    dy,
    gamma: perChannel(3, 1, 0.5),
    beta: perChannel(4, 0, 0.5),
    runningMean: perChannel(5, 0, 0.5),
    runningVar: perChannel(6, 1, 0.5),
    savedMean: Float32Array.from(moments, (m) => m.mean),
    savedInvStd: Float32Array.from(moments, (m) => 1 / Math.sqrt(biasedVariance(m) + 1e-5)),
  };
}

/** A prepared call and the release of the buffers it was given. */
export interface OperationCall {
  readonly call: () => Promise<unknown>;
  /** Returns the buffers to the backend that allocated them (a no-op for plain arrays). */
  readonly release: () => void;
}

/**
 * A call of `operation` on `backend` with the case's data, in the backend's own buffers, with
 * preallocated outputs (`out`), so that what is timed is the steady state of a training loop.
 */
export function operationCall(backend: Backend, data: CaseData, operation: Operation): OperationCall {
  const owned: Float32Array[] = [];
  const buffer = (source: Float32Array | number): Float32Array => {
    const length = typeof source === 'number' ? source : source.length;
    const array = hasAllocator(backend) ? backend.allocate(length) : new Float32Array(length);
    owned.push(array);
    if (typeof source !== 'number') array.set(source);
    return array;
  };
  const release = (): void => {
    if (hasAllocator(backend)) for (const array of owned) backend.free(array);
  };
  const x = buffer(data.x);
  const common = { x, shape: data.shape, layout: data.layout };
  switch (operation) {
    case 'inference': {
      const input: InferenceInput = { ...common, gamma: data.gamma, beta: data.beta, runningMean: data.runningMean, runningVar: data.runningVar, out: { y: buffer(x.length) } };
      return { call: () => backend.inference(input), release };
    }
    case 'trainForward': {
      const input: TrainForwardInput = { ...common, gamma: data.gamma, beta: data.beta, runningMean: data.runningMean, runningVar: data.runningVar, out: { y: buffer(x.length) } };
      return { call: () => backend.trainForward(input), release };
    }
    case 'backward': {
      const input: BackwardInput = {
        ...common,
        dy: buffer(data.dy),
        gamma: data.gamma,
        savedMean: data.savedMean,
        savedInvStd: data.savedInvStd,
        out: { dx: buffer(x.length) },
      };
      return { call: () => backend.backward(input), release };
    }
  }
}
