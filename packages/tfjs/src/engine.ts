import * as tf from '@tensorflow/tfjs';
import { BnBackendError, describeValue } from '@bnkit/core';
import { installedWasmDirectory } from './wasm-paths.js';

/** The tfjs backends this adapter drives. */
export type TfjsKind = 'cpu' | 'wasm';

/** Every kind, in the order the adapter documents them. */
export const TFJS_KINDS: readonly TfjsKind[] = ['cpu', 'wasm'];

let wasmSetup: Promise<void> | undefined;

/**
 * Imports `@tensorflow/tfjs-backend-wasm` (a peer dependency, loaded only when asked for) and
 * points it at its installed binaries, unless the wasm backend is already initialised (the paths
 * then no longer matter).
 */
function setUpWasm(): Promise<void> {
  wasmSetup ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (tf.engine().registry['wasm'] !== undefined) return;
    wasm.setWasmPaths(installedWasmDirectory());
  })().catch((error: unknown) => {
    // A failed attempt (package missing, paths refused) is not cached, so a later init can retry.
    wasmSetup = undefined;
    throw error;
  });
  return wasmSetup;
}

/**
 * Makes the tfjs backend `kind` available and initialised, without leaving it active.
 * @throws BnBackendError when the backend package cannot be loaded or tfjs fails to initialise it.
 */
export async function loadTfjsBackend(kind: TfjsKind): Promise<void> {
  if (!TFJS_KINDS.includes(kind)) {
    throw new BnBackendError('kind', `one of ${TFJS_KINDS.join(', ')}`, describeValue(kind));
  }
  try {
    if (kind === 'wasm') await setUpWasm();
    await runOnTfjsBackend(kind, () => undefined);
  } catch (error) {
    if (error instanceof BnBackendError) throw error;
    const message = error instanceof Error ? error.message : describeValue(error);
    throw new BnBackendError('kind', `a tfjs backend that initialises`, `${kind}: ${message}`);
  }
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `work` with `kind` as tfjs's active backend, then restores the backend that was active
 * before. tfjs has a single global engine with one active backend, so calls are serialised: a
 * call queued here starts only after the previous one has finished, and a `cpu` call and a
 * `wasm` call never interleave. `work` is synchronous so nothing else can run on the engine
 * while it holds the backend.
 * @throws BnBackendError when tfjs cannot switch to `kind`; rethrows what `work` throws.
 */
export function runOnTfjsBackend<T>(kind: TfjsKind, work: () => T): Promise<T> {
  const run = queue.then(async () => {
    const engine = tf.engine();
    // Read the field rather than tf.getBackend(), which would initialise a backend of its own choosing.
    const previous: string | null | undefined = engine.backendName;
    if (previous !== kind && !(await tf.setBackend(kind))) {
      throw new BnBackendError('kind', `a tfjs backend that initialises`, `tf.setBackend(${JSON.stringify(kind)}) returned false`);
    }
    try {
      return work();
    } finally {
      if (previous && previous !== kind) await tf.setBackend(previous);
    }
  });
  queue = run.catch(() => undefined);
  return run;
}
