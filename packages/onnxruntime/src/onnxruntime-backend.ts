import { createOrtBackend, DEFAULT_SESSION_CACHE_SIZE, type OrtBackend } from './ort-backend.js';
import { checkThreads, loadOnnxruntime, sessionOptions } from './ort-runtime.js';

/** Options of `createOnnxruntimeBackend`. */
export interface OnnxruntimeBackendOptions {
  /** The most sessions kept at once (least recently used evicted first); default 32. */
  cacheSize?: number;
  /** Threads ONNX Runtime uses inside one operator; default 1, which suits BN's small graphs and shared machines. */
  intraOpNumThreads?: number;
}

/** The ONNX Runtime backend, with the size of its session cache exposed for inspection. */
export type OnnxruntimeBackend = OrtBackend;

/**
 * Creates the ONNX Runtime backend, registry name `onnxruntime`, over `onnxruntime-node` (a peer
 * dependency, loaded on first use), with the graphs, session cache, dispose contract and errors
 * of `createOrtBackend`: every operation, layout, convention and feature; float32 and float64
 * x; sessions on the CPU execution provider with `intraOpNumThreads` threads.
 * @throws BnValueError for a `cacheSize` or `intraOpNumThreads` that is not an integer >= 1.
 */
export function createOnnxruntimeBackend(options: OnnxruntimeBackendOptions = {}): OnnxruntimeBackend {
  const threads = checkThreads('options.intraOpNumThreads', options.intraOpNumThreads ?? 1);
  return createOrtBackend({
    name: 'onnxruntime',
    load: loadOnnxruntime,
    sessionOptions: sessionOptions(threads),
    cacheSize: options.cacheSize ?? DEFAULT_SESSION_CACHE_SIZE,
  });
}
