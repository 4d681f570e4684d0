import { BnBackendError, BnError } from '@bnkit/core';

/**
 * The error an adapter throws for a failure inside ONNX Runtime: a `BnBackendError` naming the
 * backend and what it was doing, with the engine's message as `actual` and the engine's error
 * itself as `cause`. bnkit's own errors (already typed) pass through unchanged.
 * @param backend the registry name, e.g. `onnxruntime-web`.
 * @param doing what the engine was asked to do, e.g. `trainForward` or `release its sessions`.
 */
export function engineError(backend: string, doing: string, error: unknown): BnError {
  if (error instanceof BnError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new BnBackendError(backend, `ONNX Runtime to ${doing}`, message, `${backend}: ONNX Runtime failed to ${doing}: ${message}`);
  wrapped.cause = error;
  return wrapped;
}
