import { describeShape, referenceTrainForward, type Backend, type Layout, type Operation } from '@bnkit/core';

/** Deterministic values in [-1, 1) (a linear congruential sequence); the timing does not depend on them. */
function values(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** A backend that places tensors in its own memory (the cpu backend's shared WebAssembly memory). */
interface AllocatingBackend extends Backend {
  allocate(length: number): Float32Array;
  free(array: Float32Array): void;
}

function hasAllocator(backend: Backend): backend is AllocatingBackend {
  const candidate = backend as Partial<AllocatingBackend>;
  return typeof candidate.allocate === 'function' && typeof candidate.free === 'function';
}

/** A prepared call and the release of the buffers it was given. */
export interface OperationCall {
  readonly call: () => Promise<unknown>;
  /** Returns the buffers to the backend that allocated them (nothing for plain arrays). */
  readonly release: () => void;
}

/**
 * The call that times `operation` of `backend` on one batch of `shape` in `layout`, with the
 * inputs made once beforehand (backward gets the float64 reference's saved statistics). As in
 * `@bnkit/bench`'s harness, x, dy and the preallocated output (`out`) are in the backend's own
 * memory when it offers `allocate` (the cpu backend: in place, split across its workers when
 * the tensor is large), plain arrays otherwise.
 */
export function operationCall(backend: Backend, shape: readonly number[], layout: Layout, operation: Operation): OperationCall {
  const info = describeShape(shape, layout);
  const owned: Float32Array[] = [];
  const buffer = (source: Float32Array | number): Float32Array => {
    const length = typeof source === 'number' ? source : source.length;
    const array = hasAllocator(backend) ? backend.allocate(length) : new Float32Array(length);
    if (typeof source !== 'number') array.set(source);
    owned.push(array);
    return array;
  };
  const release = (): void => {
    if (hasAllocator(backend)) for (const array of owned.splice(0)) backend.free(array);
  };
  const x = buffer(values(info.size, 1));
  const c = info.c;
  const params = {
    x,
    shape: [...shape],
    layout,
    gamma: values(c, 2).map((v) => 1 + v / 2),
    beta: values(c, 3),
    runningMean: new Float32Array(c),
    runningVar: new Float32Array(c).fill(1),
  };
  if (operation === 'inference') {
    const input = { ...params, out: { y: buffer(info.size) } };
    return { call: () => backend.inference(input), release };
  }
  if (operation === 'trainForward') {
    const input = { ...params, out: { y: buffer(info.size) } };
    return { call: () => backend.trainForward(input), release };
  }
  const saved = referenceTrainForward(params);
  const backward = { ...params, dy: buffer(values(info.size, 4)), savedMean: saved.batchMean, savedInvStd: saved.invStd, out: { dx: buffer(info.size) } };
  return { call: () => backend.backward(backward), release };
}
