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

/**
 * The call that times `operation` of `backend` on one batch of `shape` in `layout`, with the
 * inputs made once beforehand (backward gets the float64 reference's saved statistics).
 */
export function operationCall(backend: Backend, shape: readonly number[], layout: Layout, operation: Operation): () => Promise<unknown> {
  const info = describeShape(shape, layout);
  const x = values(info.size, 1);
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
  if (operation === 'inference') return () => backend.inference(params);
  if (operation === 'trainForward') return () => backend.trainForward(params);
  const saved = referenceTrainForward(params);
  const backward = { ...params, dy: values(info.size, 4), savedMean: saved.batchMean, savedInvStd: saved.invStd };
  return () => backend.backward(backward);
}
