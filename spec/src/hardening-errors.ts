import { LAYOUTS, type Backend, type BackwardInput, type InferenceInput, type Layout, type Operation } from '@bnkit/core';
import { describeError, isTypedError } from './hardening-draws.js';

/** A valid request of `operation` on a [2, 2] batch (spatial dims 1) in `layout`. */
function validRequest(operation: Operation, layout: Layout): InferenceInput | BackwardInput {
  const shape = layout.endsWith('C') ? [2, ...new Array<number>(layout.length - 2).fill(1), 2] : [2, 2, ...new Array<number>(layout.length - 2).fill(1)];
  const base = {
    x: Float32Array.of(0.5, -1, 2, 3),
    shape,
    layout,
    gamma: Float32Array.of(1, 2),
    beta: Float32Array.of(0, 1),
    runningMean: Float32Array.of(0, 0.5),
    runningVar: Float32Array.of(1, 2),
  };
  return operation === 'backward' ? { ...base, dy: Float32Array.of(1, -1, 0.5, 2), savedMean: Float64Array.of(1.25, 1), savedInvStd: Float64Array.of(1, 0.5) } : base;
}

function call(backend: Backend, operation: Operation, input: unknown): Promise<unknown> {
  // A synchronous throw counts like a rejection: callers await either way.
  return Promise.resolve().then((): Promise<unknown> => (operation === 'inference' ? backend.inference(input as InferenceInput) : operation === 'trainForward' ? backend.trainForward(input as InferenceInput) : backend.backward(input as BackwardInput)));
}

/**
 * The typed-errors check: bad requests that every backend must refuse through core's validation
 * with a typed error naming the argument, and not a TypeError from deep inside: a null request,
 * `options: null`, a NaN running variance (a NaN saved inverse std for backward), and an `out`
 * buffer of the wrong length. Returns the first request that was not refused so, or undefined.
 */
export async function checkTypedErrors(backend: Backend, operation: Operation): Promise<string | undefined> {
  const layout = LAYOUTS.find((candidate) => backend.capabilities.layouts.includes(candidate)) as Layout;
  const valid = validRequest(operation, layout);
  const outName = operation === 'backward' ? 'dx' : 'y';
  const nanField = operation === 'backward' ? 'savedInvStd' : 'runningVar';
  const bad: [string, unknown, string][] = [
    ['a null request', null, 'input'],
    ['options: null', { ...valid, options: null }, 'options'],
    [`a NaN in ${nanField}`, { ...valid, [nanField]: Float64Array.of(1, Number.NaN) }, nanField],
    [`an out.${outName} of the wrong length`, { ...valid, out: { [outName]: new Float32Array(5) } }, `out.${outName}`],
  ];
  for (const [what, input, argument] of bad) {
    const outcome = await call(backend, operation, input).then(
      () => 'was accepted',
      (error: unknown) => (isTypedError(error) && error.argument === argument ? undefined : `threw ${describeError(error)}${isTypedError(error) ? ` naming ${error.argument}` : ''}`),
    );
    if (outcome !== undefined) return `${operation} with ${what} ${outcome}; expected a typed error naming ${argument}`;
  }
  return undefined;
}
