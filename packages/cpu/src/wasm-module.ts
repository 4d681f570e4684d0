import { cpuEnvironment } from '#environment';
import { WebAssembly } from './webassembly-globals.js';
import { KERNELS_MEMORY_PAGES, KERNELS_PRIVATE_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-wasm-bytes.js';

/** The exports of the kernels module (see assembly/index.ts); every pointer is a byte offset. */
export interface KernelExports {
  moments(x: number, count: number, first: number, c: number, inner: number, accCount: number, accMean: number, accM2: number, scratch: number): void;
  affine(x: number, y: number, count: number, first: number, c: number, inner: number, constants: number): void;
  /** Called on the calling thread only: the float32 constants of `affine` from the running statistics. */
  inferenceConstants(runningMean: number, runningVar: number, gamma: number, beta: number, eps: number, c: number, constants: number): void;
  gradSums(x: number, dy: number, count: number, first: number, c: number, inner: number, mean: number, sumDy: number, sumDyCentered: number, scratch: number): void;
  gradInput(x: number, dy: number, dx: number, count: number, first: number, c: number, inner: number, constants: number): void;
  trainChannels(
    x: number,
    y: number,
    n: number,
    c: number,
    inner: number,
    chFirst: number,
    chEnd: number,
    eps: number,
    gamma: number,
    beta: number,
    mean: number,
    variance: number,
    invStd: number,
    count: number,
    scratch: number,
  ): void;
  backwardChannels(
    x: number,
    dy: number,
    dx: number,
    n: number,
    c: number,
    inner: number,
    chFirst: number,
    chEnd: number,
    m: number,
    mean: number,
    invStd: number,
    gamma: number,
    sumDy: number,
    dgamma: number,
    scratch: number,
  ): void;
  /** Called on the calling thread only: merges a training forward's part moments and sets the affine constants. */
  trainConstants(acc: number, parts: number, partBytes: number, arrayBytes: number, c: number, eps: number, gamma: number, beta: number, variance: number, invStd: number, constants: number): void;
  /** Called on the calling thread only: adds a backward's part sums and sets dgamma and the gradInput constants. */
  backwardConstants(sums: number, parts: number, partBytes: number, arrayBytes: number, c: number, m: number, mean: number, invStd: number, gamma: number, dgamma: number, constants: number): void;
}

/** The kernels' export names, in the order a worker's mailbox numbers them. */
export const KERNEL_NAMES: readonly (keyof KernelExports)[] = ['moments', 'affine', 'gradSums', 'gradInput', 'trainChannels', 'backwardChannels'];

/** The memory bounds the module was compiled for. */
export const MEMORY_PAGES = KERNELS_MEMORY_PAGES;

const compiled = new Map<string, WebAssembly.Module | null>();

function compile(base64: string): WebAssembly.Module | null {
  let module = compiled.get(base64);
  if (module === undefined) {
    const bytes = cpuEnvironment.decodeBase64(base64);
    module = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    compiled.set(base64, module);
  }
  return module;
}

/**
 * The compiled kernels over a shared memory, or null where this engine lacks WebAssembly SIMD
 * or shared memory (then the plain-JavaScript kernels are used). Compiled once per process (or page).
 */
export function kernelsModule(): WebAssembly.Module | null {
  return compile(KERNELS_WASM_BASE64);
}

/** The same kernels over an ordinary memory (for staged copies), or null without WebAssembly SIMD. */
export function privateKernelsModule(): WebAssembly.Module | null {
  return compile(KERNELS_PRIVATE_WASM_BASE64);
}

/** Instantiates the kernels over `memory` (synchronous: the module is small). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
