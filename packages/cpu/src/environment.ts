import type { WebAssembly } from './webassembly-globals.js';

/** A kernel call a worker runs: the export `name` of the kernels module with `args`. */
export interface KernelCall {
  readonly id: number;
  readonly name: string;
  readonly args: readonly number[];
}

/** A worker's answer: `ready` once its kernels are instantiated, then one reply per call. */
export type KernelReply = { readonly ready: true } | { readonly id: number; readonly error?: string };

/** What a started worker tells its pool. */
export interface KernelWorkerEvents {
  /** A message from the worker. */
  reply(message: KernelReply): void;
  /** The worker failed or ended; it runs no further call. */
  fail(error: Error): void;
}

/** One worker that instantiated the kernels over the shared memory and runs calls posted to it. */
export interface KernelWorker {
  post(call: KernelCall): void;
  /** Keeps the host alive while a call is pending (Node); nothing where the host has no such notion. */
  ref(): void;
  /** Lets the host exit while the worker is idle (Node); nothing elsewhere. */
  unref(): void;
  terminate(): Promise<void>;
}

/**
 * What differs between the environments `@bnkit/cpu` runs in (Node's worker_threads, a browser's
 * Web Workers). One module per environment implements it, chosen by the package's `#environment`
 * import (conditions `browser`, `node`, `default`), so no Node module reaches a browser bundle.
 */
export interface CpuEnvironment {
  /** `node` or `browser`: where this adapter runs. */
  readonly name: 'node' | 'browser';
  /** Hardware threads available to this program (`os.availableParallelism()`, `navigator.hardwareConcurrency`). */
  availableCores(): number;
  /**
   * Undefined when a shared `WebAssembly.Memory` can be created and handed to workers here;
   * otherwise why not (a browser page that is not cross-origin isolated).
   */
  sharedMemoryProblem(): string | undefined;
  /** The bytes of a base64 text. */
  decodeBase64(text: string): Uint8Array;
  /**
   * Whether `init` waits for the workers to report ready: in a browser a page's policy (CSP
   * `worker-src`) may refuse a worker, and `threads` must be true once `init` has resolved; a
   * Node worker always starts, and its start overlaps the caller's first calls.
   */
  readonly awaitWorkerStart: boolean;
  /** Starts a worker that instantiates `module` over `memory` and runs the calls posted to it. */
  startWorker(module: WebAssembly.Module, memory: WebAssembly.Memory, events: KernelWorkerEvents): KernelWorker;
}
