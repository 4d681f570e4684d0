import os from 'node:os';
import {
  BACKEND_SPECIFICATION_VERSION,
  BnValueError,
  CONVENTION_NAMES,
  FEATURES,
  LAYOUTS,
  OPERATIONS,
  describeValue,
  type Backend,
} from '@bnkit/core';
import { backward, inference, trainForward, type ExecutorChoice } from './batch-norm.js';
import { serialExecutor } from './executor.js';
import { createJsKernels } from './js-kernels.js';
import { WasmArena } from './wasm-arena.js';
import { WasmExecutor } from './wasm-executor.js';
import { MEMORY_PAGES, instantiateKernels, kernelsModule, privateKernelsModule } from './wasm-module.js';
import { StagedExecutor } from './staged-executor.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Elements (float32) from which a tensor in the shared memory is split across threads: 2^20,
 * 4 MiB. Measured on a 2-core machine, threads 1 against 2: a worker round trip costs 40-60 us
 * (two per training forward or backward), and one thread normalises about 10 elements per ns,
 * so the split starts to pay between 2^19 and 2^21 elements.
 */
export const DEFAULT_PARALLEL_THRESHOLD = 1 << 20;

/** Options of `createCpuBackend`. */
export interface CpuBackendOptions {
  /**
   * Threads for large tensors, the calling one included; `auto` (default) = the available cores.
   * Workers run only with the WebAssembly kernels, on tensors allocated with `allocate`.
   */
  threads?: number | 'auto';
  /** Whether to use the WebAssembly SIMD kernels where the engine has them (default true); false = plain JavaScript. */
  simd?: boolean;
  /** Elements from which a tensor is split across threads (default `DEFAULT_PARALLEL_THRESHOLD`). */
  parallelThreshold?: number;
}

/** The cpu backend: a core `Backend` plus allocation in its shared memory. */
export interface CpuBackend extends Backend {
  /** Whether the WebAssembly SIMD kernels are in use (false: plain JavaScript). */
  readonly simd: boolean;
  /** Threads large tensors are split across (1 until `init` has started the workers, and after a worker failed). */
  readonly threads: number;
  /**
   * A zero-filled Float32Array of `length` elements in the backend's shared WebAssembly memory.
   * Tensors allocated here (x, dy, out.y, out.dx) are processed in place and across threads;
   * others are staged through a small buffer on the calling thread. Without SIMD it is a plain
   * Float32Array. Release it with `free` when done; views stay valid until then.
   * @throws BnValueError when `length` is not a positive integer or the 4 GiB memory is full.
   */
  allocate(length: number): Float32Array;
  /** Returns an array from `allocate` to the memory; other arrays are ignored. */
  free(array: Float32Array): void;
}

function threadCount(threads: number | 'auto' | undefined): number {
  if (threads === undefined || threads === 'auto') return Math.max(1, os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new BnValueError('options.threads', "a positive integer or 'auto'", describeValue(threads));
  return threads;
}

/**
 * Creates the standalone CPU backend, registry name `cpu`: every operation, layout, convention
 * and feature of core, float32 and float64 tensors, statistics accumulated in float64 (exact
 * two-pass moments per run merged by Chan's update, never E[x^2] - E[x]^2). Float32 tensors run
 * on WebAssembly SIMD kernels; float64 tensors, or `simd: false`, on plain JavaScript kernels
 * with the same results up to float64 summation order. y and dx take x's element type (or are
 * the caller's `out` buffers); per-channel outputs (statistics, running statistics, dgamma,
 * dbeta) are float64. `init` starts the worker threads; `dispose` ends them.
 * @throws BnValueError for invalid options.
 */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend {
  const threads = threadCount(options.threads);
  const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  if (!(threshold >= 0)) throw new BnValueError('options.parallelThreshold', 'a number >= 0', describeValue(threshold));
  const js = serialExecutor(createJsKernels());
  const module = options.simd === false ? null : kernelsModule();
  const arena = module ? new WasmArena(MEMORY_PAGES) : undefined;
  let pool: WorkerPool | undefined;
  const wasm = module && arena ? new WasmExecutor(arena, instantiateKernels(module, arena.memory), () => (pool?.healthy ? pool : undefined), threshold) : undefined;
  const privateModule = module ? privateKernelsModule() : null;
  const staged = privateModule ? new StagedExecutor(privateModule) : undefined;
  const choose: ExecutorChoice = (_, arrays) => {
    if (wasm && arena && WasmExecutor.accepts(arena, arrays)) return wasm;
    if (staged && arrays.every((a) => a instanceof Float32Array)) return staged;
    return js;
  };
  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: 'cpu',
    capabilities: {
      operations: OPERATIONS,
      layouts: LAYOUTS,
      conventions: CONVENTION_NAMES,
      dtypes: ['float32', 'float64'],
      features: FEATURES,
    },
    get simd() {
      return wasm !== undefined;
    },
    get threads() {
      return pool?.healthy ? pool.size + 1 : 1;
    },
    async init() {
      if (module && arena && threads > 1 && !pool) pool = new WorkerPool(threads - 1, module, arena.memory);
    },
    inference: (input) => inference(input, choose),
    trainForward: (input) => trainForward(input, choose),
    backward: (input) => backward(input, choose),
    allocate(length) {
      if (!Number.isInteger(length) || length < 1) throw new BnValueError('length', 'a positive integer', describeValue(length));
      return arena ? arena.allocateFloat32(length) : new Float32Array(length);
    },
    free(array) {
      if (arena && arena.owns(array)) arena.freeBytes(array.byteOffset);
    },
    async dispose() {
      const closing = pool;
      pool = undefined;
      await closing?.close();
    },
  };
}
