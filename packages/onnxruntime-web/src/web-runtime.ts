import { BnBackendError } from '@bnkit/core';
import type * as OrtWeb from 'onnxruntime-web';

/** The `onnxruntime-web` module. */
export type OrtWebModule = typeof OrtWeb;

/** How the WebAssembly runtime is set up; ONNX Runtime reads these once, when its wasm first loads. */
export interface WasmSettings {
  /** Threads of the wasm execution provider (more than 1 needs cross-origin isolation in browsers). */
  readonly numThreads: number;
  /**
   * Where the `ort-wasm-*.wasm` / `.mjs` files are served, as a URL prefix ending in `/`; when
   * undefined, ONNX Runtime finds them next to its own module (in Node: the installed package's
   * `dist/`, so nothing is downloaded).
   */
  readonly wasmPaths?: string;
}

let loading: Promise<OrtWebModule> | undefined;

/**
 * Loads `onnxruntime-web` (a peer dependency) once, on first use, and applies `settings` to its
 * `env.wasm` before any session exists. Later calls return the same module: ONNX Runtime takes
 * its wasm settings once, so the first backend to load the engine decides them.
 * @throws BnBackendError (the import's error as `cause`) when `onnxruntime-web` cannot be loaded.
 */
export function loadOnnxruntimeWeb(settings: WasmSettings): Promise<OrtWebModule> {
  loading ??= import('onnxruntime-web').then(
    (loaded) => {
      const ort = 'InferenceSession' in loaded ? loaded : (loaded as unknown as { default: OrtWebModule }).default;
      ort.env.wasm.numThreads = settings.numThreads;
      if (settings.wasmPaths !== undefined) ort.env.wasm.wasmPaths = settings.wasmPaths;
      // bnkit reports failures itself, as typed errors; the engine's own console warnings are noise.
      ort.env.logLevel = 'error';
      return ort;
    },
    (error: unknown) => {
      loading = undefined;
      const failure = new BnBackendError('onnxruntime-web', 'an installed onnxruntime-web >= 1.30 (peer dependency)', String(error));
      failure.cause = error;
      throw failure;
    },
  );
  return loading;
}
