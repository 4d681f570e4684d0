import { BnBackendError, BnValueError, describeValue, type DType } from '@bnkit/core';
import { createOrtBackend, DEFAULT_SESSION_CACHE_SIZE, type OrtApi, type OrtBackend } from '@bnkit/onnxruntime/engine';
import { loadOnnxruntimeWeb } from './web-runtime.js';
import { webgpuUnavailableReason } from './webgpu.js';

/** The execution providers of onnxruntime-web that bnkit runs BN on. */
export type WebExecutionProvider = 'wasm' | 'webgpu';

/** The registry name of the backend on each execution provider. */
export const WEB_BACKEND_NAMES: Readonly<Record<WebExecutionProvider, string>> = { wasm: 'onnxruntime-web', webgpu: 'onnxruntime-webgpu' };

/** Options of `createOnnxruntimeWebBackend`. */
export interface OnnxruntimeWebBackendOptions {
  /** `wasm` (default; Node and browsers) or `webgpu` (browsers that expose a WebGPU adapter). */
  executionProvider?: WebExecutionProvider;
  /** The most sessions kept at once (least recently used evicted first); default 32. */
  cacheSize?: number;
  /**
   * Threads of the wasm runtime; default 1, which suits BN's small graphs and shared machines
   * (more needs cross-origin isolation in browsers). Read once per process or page.
   */
  numThreads?: number;
  /** Where the runtime's `.wasm`/`.mjs` files are served (a URL prefix ending in `/`); default next to the loaded module. */
  wasmPaths?: string;
}

/** Element types each provider computes in: WebGPU has no float64, so it is declared float32 only. */
const DTYPES: Readonly<Record<WebExecutionProvider, readonly DType[]>> = { wasm: ['float32', 'float64'], webgpu: ['float32'] };

function checkOptions(options: OnnxruntimeWebBackendOptions): { provider: WebExecutionProvider; numThreads: number } {
  const provider = options.executionProvider ?? 'wasm';
  if (provider !== 'wasm' && provider !== 'webgpu') throw new BnValueError('options.executionProvider', "'wasm' or 'webgpu'", describeValue(provider));
  const numThreads = options.numThreads ?? 1;
  if (!Number.isInteger(numThreads) || numThreads < 1) throw new BnValueError('options.numThreads', 'an integer >= 1', describeValue(numThreads));
  if (options.wasmPaths !== undefined && typeof options.wasmPaths !== 'string') {
    throw new BnValueError('options.wasmPaths', 'a URL prefix string ending in /', describeValue(options.wasmPaths));
  }
  return { provider, numThreads };
}

/**
 * Creates a BN backend over `onnxruntime-web` (a peer dependency, imported on first use), with
 * the graphs, session cache, dispose contract and errors that `@bnkit/onnxruntime` shares
 * (`createOrtBackend`): every operation, layout, convention and feature.
 * - `wasm` (registry name `onnxruntime-web`): the WebAssembly CPU provider, in Node and in
 *   browsers; float32 and float64 x.
 * - `webgpu` (`onnxruntime-webgpu`): browsers with a WebGPU adapter; float32 x. Operators the
 *   WebGPU provider lacks (the float64 statistics branch) fall back to the wasm provider inside
 *   the same session. Where there is no adapter, `init` and every operation reject with a
 *   `BnBackendError` giving the reason.
 * @throws BnValueError for an unknown provider, or a `cacheSize`/`numThreads` that is not an integer >= 1.
 */
export function createOnnxruntimeWebBackend(options: OnnxruntimeWebBackendOptions = {}): OrtBackend {
  const { provider, numThreads } = checkOptions(options);
  const name = WEB_BACKEND_NAMES[provider];
  const settings = { numThreads, ...(options.wasmPaths !== undefined && { wasmPaths: options.wasmPaths }) };
  let ready: Promise<OrtApi> | undefined;
  const load = (): Promise<OrtApi> => {
    ready ??= (async () => {
      if (provider === 'webgpu') {
        const reason = await webgpuUnavailableReason();
        if (reason !== undefined) throw new BnBackendError(name, 'an environment with a WebGPU adapter', reason, `${name}: ${reason}`);
      }
      return loadOnnxruntimeWeb(settings);
    })().catch((error: unknown) => {
      // A failed load is not kept: installing the engine or a GPU appearing makes the next call work.
      ready = undefined;
      throw error;
    });
    return ready;
  };
  return createOrtBackend({
    name,
    load,
    sessionOptions: { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 },
    cacheSize: options.cacheSize ?? DEFAULT_SESSION_CACHE_SIZE,
    dtypes: DTYPES[provider],
  });
}
