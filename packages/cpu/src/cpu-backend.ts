import { cpuEnvironment } from '#environment';
import {
  BACKEND_SPECIFICATION_VERSION,
  BackendLifecycle,
  BnValueError,
  CONVENTION_NAMES,
  FEATURES,
  LAYOUTS,
  OPERATIONS,
  describeValue,
  type Backend,
  type FloatArray,
} from '@bnkit/core';
import { backward, inference, trainForward, type OperationContext } from './batch-norm.js';
import { ChannelScratch } from './channel-scratch.js';
import { serialExecutor } from './executor.js';
import { createJsKernels } from './js-kernels.js';
import { OutputArrays } from './output-arrays.js';
import { WasmArena } from './wasm-arena.js';
import { WasmExecutor } from './wasm-executor.js';
import { KERNEL_NAMES, MEMORY_PAGES, instantiateKernels, kernelsModule, privateKernelsModule } from './wasm-module.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Elements (float32) from which a tensor in the shared memory is split across threads: 2^15,
 * 128 KiB. Measured on a 2-core machine, inference on one thread against two: 14.8 against
 * 14.9 us at 2^14 elements, 22.5 against 17.3 us at 2^15 (a hand-off through the mailbox costs a
 * few microseconds; see mailbox.ts).
 */
export const DEFAULT_PARALLEL_THRESHOLD = 1 << 15;

/** Options of `createCpuBackend`. */
export interface CpuBackendOptions {
  /**
   * Threads for large tensors, the calling one included; `auto` (default) = the available cores
   * (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser). Workers
   * run only with the WebAssembly kernels, on tensors in the backend's shared memory, which a
   * browser page has only when it is cross-origin isolated (else one thread).
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
  /**
   * Threads large tensors are split across (1 until `init` has started the workers, after a
   * worker failed, and in a browser page that is not cross-origin isolated).
   */
  readonly threads: number;
  /** Why `threads` is what it is, in words (e.g. the page is not cross-origin isolated). */
  readonly threading: string;
  /**
   * A zero-filled Float32Array of `length` elements in the backend's shared WebAssembly memory.
   * Tensors there (x, dy, out.y, out.dx) are processed in place and across threads; others are
   * copied through a small buffer on the calling thread. Without SIMD, or without shared memory
   * (a browser page that is not cross-origin isolated), it is a plain Float32Array. It stays
   * valid until passed to `free` (garbage collection does not free it).
   * @throws BnValueError when `length` is not a positive integer or the 4 GiB memory is full.
   * @throws BnBackendError after `dispose` (until `init`).
   */
  allocate(length: number): Float32Array;
  /**
   * Returns to the memory an array from `allocate`, or an output (y, dx) the backend allocated
   * because the caller passed none. A plain Float32Array that is not in the backend's memory
   * (e.g. from `allocate` without SIMD) is accepted and left alone.
   * @throws BnValueError for anything else: not a Float32Array, an array freed before, or a view
   *   of the backend's memory it did not return (a subarray of an allocation).
   */
  free(array: Float32Array): void;
}

function threadCount(threads: number | 'auto' | undefined): number {
  if (threads === undefined || threads === 'auto') return Math.max(1, cpuEnvironment.availableCores());
  if (!Number.isInteger(threads) || threads < 1) throw new BnValueError('options.threads', "a positive integer or 'auto'", describeValue(threads));
  return threads;
}

/**
 * Creates the standalone CPU backend, registry name `cpu`: every operation, layout, convention
 * and feature of core, float32 and float64 tensors, statistics accumulated in float64 (exact
 * two-pass moments per run merged by Chan's update, never E[x^2] - E[x]^2). Float32 tensors run
 * on WebAssembly SIMD kernels; float64 tensors, or `simd: false`, on plain JavaScript kernels
 * with the same results up to float64 summation order. y and dx take x's element type; an output
 * the caller does not pass (`out.y`, `out.dx`) is allocated for float32 input in the backend's
 * memory (see `free`). Per-channel outputs (statistics, running statistics, dgamma, dbeta) are
 * float64. `init` starts the worker threads (Node's worker_threads, or Web Workers in a
 * cross-origin isolated browser page; elsewhere in a browser one thread and no shared memory);
 * `dispose` ends them, after which every operation throws `BnBackendError` until `init` is
 * called again. Operations on one backend run one at a time.
 * @throws BnValueError for invalid options.
 */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend {
  const threads = threadCount(options.threads);
  const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  if (!(threshold >= 0)) throw new BnValueError('options.parallelThreshold', 'a number >= 0', describeValue(threshold));
  const lifecycle = new BackendLifecycle('cpu');
  const js = serialExecutor(createJsKernels());
  // Without shared memory (a browser page that is not cross-origin isolated) every float32
  // tensor is staged through the private memory on the calling thread, and allocate() is plain.
  const sharedMemoryProblem = cpuEnvironment.sharedMemoryProblem();
  const privateModule = options.simd === false ? null : privateKernelsModule();
  const module = privateModule && sharedMemoryProblem === undefined ? kernelsModule() : null;
  const arena = module ? new WasmArena(MEMORY_PAGES) : undefined;
  const outputs = arena ? new OutputArrays(arena) : undefined;
  let pool: WorkerPool | undefined;
  const shared = module && arena ? new WasmExecutor({ arena, kernels: instantiateKernels(module, arena.memory), pool: () => (pool?.healthy ? pool : undefined), parallelThreshold: threshold }) : undefined;
  const privateArena = privateModule ? new WasmArena(MEMORY_PAGES, { shared: false }) : undefined;
  const staged = privateModule && privateArena ? new WasmExecutor({ arena: privateArena, kernels: instantiateKernels(privateModule, privateArena.memory) }) : undefined;
  const context: OperationContext = {
    choose(inputs, output) {
      if (!inputs.every((t) => t instanceof Float32Array) || !(output instanceof Float32Array)) return js;
      // An input in the shared memory: the shared kernels (in place there, the rest staged).
      // Inputs outside it: the private memory, whose copies are faster, even when the output is
      // in the shared memory (as the outputs the backend allocates are); the output is then
      // written by copies out of the private staging. Gathering plain inputs into the shared
      // memory instead was slower (backward of [32,64,56,56] with dx there: 17.9 against
      // 10.2 ms, the training forward 7.5 against 6.0 ms).
      if (shared && inputs.some((t) => shared.inPlace(t))) return shared;
      return staged ?? shared ?? js;
    },
    output(x, size) {
      return x instanceof Float32Array && outputs ? outputs.float32(size) : x instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
    },
    sameMemory: (a: FloatArray, b: FloatArray) => a.buffer === b.buffer || (arena !== undefined && arena.owns(a) && arena.owns(b)),
    scratch: new ChannelScratch(),
  };
  // One operation at a time: the executors share per-channel and staging memory, and the
  // context its scratch. An operation that finds none running starts at once.
  let running = 0;
  let last: Promise<unknown> = Promise.resolve();
  const serialise = <T>(operation: string, task: () => Promise<T>): Promise<T> => {
    try {
      lifecycle.assertUsable(operation);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = running === 0 ? task() : last.then(task, task);
    running++;
    const settle = (): void => {
      running--;
    };
    last = run.then(settle, settle);
    return run;
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
      return (shared ?? staged) !== undefined;
    },
    get threads() {
      return pool?.healthy ? pool.size + 1 : 1;
    },
    get threading() {
      if (pool?.healthy) {
        const kind = cpuEnvironment.name === 'node' ? 'worker thread' : 'Web Worker';
        return `${pool.size + 1} threads (the calling one and ${pool.size} ${kind}${pool.size === 1 ? '' : 's'}) over a shared WebAssembly memory`;
      }
      if (!shared && !staged) return '1 thread: plain JavaScript kernels';
      if (sharedMemoryProblem !== undefined) return `1 thread without shared memory: ${sharedMemoryProblem}`;
      if (threads === 1) return '1 thread: one was asked for (or is all the machine has)';
      if (pool) return `1 thread: the workers failed (${pool.failure})`;
      return '1 thread until init() starts the workers';
    },
    async init() {
      if (module && arena && threads > 1 && !pool) {
        pool = new WorkerPool(threads - 1, module, arena.memory, KERNEL_NAMES);
        if (cpuEnvironment.awaitWorkerStart) await pool.started;
      }
      lifecycle.initialised();
    },
    inference: (input) => serialise('inference', () => inference(input, context)),
    trainForward: (input) => serialise('trainForward', () => trainForward(input, context)),
    backward: (input) => serialise('backward', () => backward(input, context)),
    allocate(length) {
      lifecycle.assertUsable('allocate');
      if (!Number.isInteger(length) || length < 1) throw new BnValueError('length', 'a positive integer', describeValue(length));
      return arena ? arena.allocateFloat32(length) : new Float32Array(length);
    },
    free(array) {
      if (!(array instanceof Float32Array)) throw new BnValueError('array', 'a Float32Array from allocate() or an output', describeValue(array));
      if (!arena || !arena.owns(array)) return;
      outputs?.forget(array);
      arena.freeFloat32(array);
    },
    async dispose() {
      lifecycle.disposed();
      const closing = pool;
      pool = undefined;
      await closing?.close();
    },
  };
}
