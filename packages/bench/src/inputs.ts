import {
  BnValueError,
  CONVENTIONS,
  DEFAULT_CONVENTION,
  biasedVariance,
  channelMoments,
  describeShape,
  inverseStds,
  type Backend,
  type BackwardInput,
  type InferenceInput,
  type Layout,
  type Operation,
  type TrainForwardInput,
} from '@bnkit/core';
import { createPrng } from '@bnkit/spec';

/**
 * A backend that can place tensors where it works on them fastest (the cpu backend's shared
 * WebAssembly memory). The harness times such a backend twice: with its buffers from `allocate`,
 * and with plain Float32Arrays, the arrays most callers hold.
 */
export interface AllocatingBackend extends Backend {
  allocate(length: number): Float32Array;
  /** Returns an array from `allocate`. */
  free(array: Float32Array): void;
}

/** True when `backend` offers `allocate(length)` and `free(array)`. */
export function hasAllocator(backend: Backend): backend is AllocatingBackend {
  const candidate = backend as Partial<AllocatingBackend>;
  return typeof candidate.allocate === 'function' && typeof candidate.free === 'function';
}

/**
 * Where a timed call's x, dy and outputs live: the backend's `allocate`; plain Float32Arrays; or
 * plain x and dy with no `out`, so the backend allocates the outputs (returned to it with `free`
 * after each call), the call most callers write.
 */
export type Buffers = 'allocate' | 'plain' | 'plain-inputs';

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

// The seed of the bench's data: any fixed value, so every run times the same numbers.
const SEED = 0x62656e63;

/**
 * Builds a case's inputs from core's seeded generator: x uniform in [-0.5, 1.5), dy in [-1, 1),
 * parameters per channel near 1 (gamma, running variance) or 0 (beta, running mean), and the
 * saved statistics backward needs: x's float64 batch mean and inverse std with the default
 * convention's eps.
 * @throws BnShapeError when the shape does not fit the layout.
 */
export function caseData(shape: readonly number[], layout: Layout): CaseData {
  const info = describeShape(shape, layout);
  const prng = createPrng(SEED);
  const uniform = (length: number, low: number, high: number): Float32Array => {
    const array = new Float32Array(length);
    for (let i = 0; i < length; i++) array[i] = prng.uniform(low, high);
    return array;
  };
  const x = uniform(info.size, -0.5, 1.5);
  const moments = channelMoments(x, info);
  const eps = CONVENTIONS[DEFAULT_CONVENTION].defaultEps;
  return {
    shape,
    layout,
    x,
    dy: uniform(info.size, -1, 1),
    gamma: uniform(info.c, 0.75, 1.25),
    beta: uniform(info.c, -0.25, 0.25),
    runningMean: uniform(info.c, -0.25, 0.25),
    runningVar: uniform(info.c, 0.75, 1.25),
    savedMean: Float32Array.from(moments, (m) => m.mean),
    savedInvStd: Float32Array.from(inverseStds(moments.map(biasedVariance), eps)),
  };
}

/** A prepared call and the release of the buffers it was given. */
export interface OperationCall {
  readonly call: () => Promise<unknown>;
  /** Returns the buffers to the backend that allocated them (a no-op for plain arrays). */
  readonly release: () => void;
}

/**
 * A call of `operation` on `backend` with the case's data in `buffers` (x, dy and the `out`
 * buffers; per-channel parameters stay plain), with preallocated outputs (or, for
 * `plain-inputs`, outputs the backend allocates and takes back after each call), so that what is
 * timed is the steady state of a training loop.
 * @throws BnValueError when `buffers` is `allocate` or `plain-inputs` and the backend has no allocator.
 */
export function operationCall(backend: Backend, data: CaseData, operation: Operation, buffers: Buffers): OperationCall {
  // Plain x and dy as they are; the backend allocates the output and takes it back.
  if (buffers === 'plain-inputs') return { call: prepareCall(backend, data, operation, { input: (source) => source, owner: allocatorOf(backend, buffers) }), release: () => {} };
  const allocator = buffers === 'allocate' ? allocatorOf(backend, buffers) : undefined;
  const owned: Float32Array[] = [];
  const buffer = (source: Float32Array | number): Float32Array => {
    const length = typeof source === 'number' ? source : source.length;
    const array = allocator ? allocator.allocate(length) : new Float32Array(length);
    owned.push(array);
    if (typeof source !== 'number') array.set(source);
    return array;
  };
  const release = (): void => {
    if (allocator) for (const array of owned) allocator.free(array);
  };
  try {
    return { call: prepareCall(backend, data, operation, { input: buffer, output: buffer }), release };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Where a prepared call's tensors come from: x and dy through `input`; the output through
 * `output` (passed as `out`) or, without it, allocated by the backend and given back to `owner`
 * after each call.
 */
interface Placement {
  input(source: Float32Array): Float32Array;
  output?(length: number): Float32Array;
  owner?: AllocatingBackend;
}

/** The timed call of `operation` on the case's data, its tensors placed by `place`. */
function prepareCall(backend: Backend, data: CaseData, operation: Operation, place: Placement): () => Promise<unknown> {
  const x = place.input(data.x);
  const common = { x, shape: data.shape, layout: data.layout, gamma: data.gamma };
  const owner = place.owner;
  const timed = <R>(run: () => Promise<R>, output: (result: R) => unknown): (() => Promise<unknown>) =>
    owner ? async () => owner.free(output(await run()) as Float32Array) : run;
  switch (operation) {
    case 'inference': {
      const input: InferenceInput = { ...common, beta: data.beta, runningMean: data.runningMean, runningVar: data.runningVar, ...(place.output && { out: { y: place.output(x.length) } }) };
      return timed(() => backend.inference(input), (result) => result.y);
    }
    case 'trainForward': {
      const input: TrainForwardInput = { ...common, beta: data.beta, runningMean: data.runningMean, runningVar: data.runningVar, ...(place.output && { out: { y: place.output(x.length) } }) };
      return timed(() => backend.trainForward(input), (result) => result.y);
    }
    case 'backward': {
      const input: BackwardInput = { ...common, dy: place.input(data.dy), savedMean: data.savedMean, savedInvStd: data.savedInvStd, ...(place.output && { out: { dx: place.output(x.length) } }) };
      return timed(() => backend.backward(input), (result) => result.dx);
    }
  }
}

function allocatorOf(backend: Backend, buffers: Buffers): AllocatingBackend {
  if (!hasAllocator(backend)) throw new BnValueError('buffers', `'plain' for ${backend.name}, which has no allocate()`, `'${buffers}'`);
  return backend;
}
