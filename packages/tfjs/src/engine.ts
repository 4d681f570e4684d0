import * as tf from '@tensorflow/tfjs';
import { BnBackendError, describeValue } from '@bnkit/core';
import { installedWasmDirectory } from '#wasm-paths';
import { quietCpuBanner } from './cpu-banner.js';
import { webgpuUnavailableReason } from './webgpu-adapter.js';

/** The tfjs backends this adapter drives. */
export type TfjsKind = 'cpu' | 'wasm' | 'webgl' | 'webgpu';

/**
 * Every kind, in the order the adapter documents them. `cpu` and `wasm` run in Node and in
 * browsers; `webgl` and `webgpu` only where the browser provides WebGL or a WebGPU adapter.
 */
export const TFJS_KINDS: readonly TfjsKind[] = ['cpu', 'wasm', 'webgl', 'webgpu'];

let wasmPrefix: string | undefined;
let wasmSetup: Promise<void> | undefined;

/**
 * Says where `tfjs-wasm` finds its `.wasm` binaries: a URL or path prefix ending in `/`, passed to
 * tfjs's `setWasmPaths` when the wasm backend is first loaded. In Node the default is the
 * installed `@tensorflow/tfjs-backend-wasm/dist/`; in a browser, where the page serves them.
 * It has no effect once the wasm backend has been initialised.
 * @throws BnBackendError when `prefix` is not a string ending in `/` (or the path separator).
 */
export function setTfjsWasmPaths(prefix: string): void {
  if (typeof prefix !== 'string' || !/[/\\]$/.test(prefix)) {
    throw new BnBackendError('prefix', 'a URL or path prefix ending in "/"', describeValue(prefix));
  }
  wasmPrefix = prefix;
}

/**
 * Imports `@tensorflow/tfjs-backend-wasm` (a peer dependency, loaded only when asked for) and
 * points it at its binaries, unless the wasm backend is already initialised (the paths then no
 * longer matter).
 */
function setUpWasm(): Promise<void> {
  wasmSetup ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (tf.engine().registry['wasm'] !== undefined) return;
    const prefix = wasmPrefix ?? installedWasmDirectory();
    if (prefix !== undefined) wasm.setWasmPaths(prefix);
  })().catch((error: unknown) => {
    // A failed attempt (package missing, paths refused) is not cached, so a later init can retry.
    wasmSetup = undefined;
    throw error;
  });
  return wasmSetup;
}

/**
 * What stops `kind` from running here, checked before tfjs is asked (tfjs itself only answers
 * `false`), or undefined when nothing is known to.
 */
async function unavailableReason(kind: TfjsKind): Promise<string | undefined> {
  if (kind === 'webgl') {
    // Without a canvas tfjs's probe below would log an error of its own before answering 0.
    const scope = globalThis as { OffscreenCanvas?: unknown; document?: unknown };
    if (scope.OffscreenCanvas === undefined && scope.document === undefined) {
      return 'no canvas (OffscreenCanvas or document) to create a WebGL context in: WebGL exists only in browsers';
    }
    // The flag tfjs's WebGL backend reads to decide; 0 means no WebGL context could be created.
    const version = tf.env().getNumber('WEBGL_VERSION');
    return version > 0 ? undefined : 'no WebGL context can be created here (tfjs WEBGL_VERSION is 0)';
  }
  if (kind === 'webgpu') {
    const reason = await webgpuUnavailableReason();
    if (reason !== undefined) return reason;
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (kind === 'wasm') await setUpWasm();
  return undefined;
}

/**
 * Makes the tfjs backend `kind` available and initialised, without leaving it active.
 * @throws BnBackendError when the environment lacks what the backend needs (the message says
 *   what), its package cannot be loaded, or tfjs fails to initialise it.
 */
export async function loadTfjsBackend(kind: TfjsKind): Promise<void> {
  if (!TFJS_KINDS.includes(kind)) {
    throw new BnBackendError('kind', `one of ${TFJS_KINDS.join(', ')}`, describeValue(kind));
  }
  let reason: string | undefined;
  try {
    reason = await unavailableReason(kind);
    if (reason === undefined) await runOnTfjsBackend(kind, () => undefined);
  } catch (error) {
    if (error instanceof BnBackendError) throw error;
    reason = error instanceof Error ? error.message : describeValue(error);
  }
  if (reason !== undefined) throw new BnBackendError('kind', `a tfjs backend that initialises`, `${kind}: ${reason}`);
}

// Once, where the engine is loaded: this also covers tfjs code of the caller's (a Keras layer on
// the cpu backend prints the banner as well). Only Node prints it.
if (tf.env().getBool('IS_NODE')) quietCpuBanner();

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `work` with `kind` as tfjs's active backend, then restores the backend that was active
 * before. tfjs has a single global engine with one active backend, so calls are serialised: a
 * call queued here starts only after the previous one has finished (asynchronous `work`
 * included: its tensor reads finish before the backend is switched back), and calls on
 * different kinds never interleave.
 * @throws BnBackendError when tfjs cannot switch to `kind`; rethrows what `work` throws.
 */
export function runOnTfjsBackend<T>(kind: TfjsKind, work: () => T | Promise<T>): Promise<T> {
  const run = queue.then(async () => {
    const engine = tf.engine();
    // Read the field rather than tf.getBackend(), which would initialise a backend of its own choosing.
    const previous: string | null | undefined = engine.backendName;
    if (previous !== kind && !(await tf.setBackend(kind))) {
      throw new BnBackendError('kind', `a tfjs backend that initialises`, `tf.setBackend(${JSON.stringify(kind)}) returned false`);
    }
    try {
      return await work();
    } finally {
      if (previous && previous !== kind) await tf.setBackend(previous);
    }
  });
  queue = run.catch(() => undefined);
  return run;
}
