import type { MailboxLocation } from './mailbox.js';
import type { WebAssembly } from './webassembly-globals.js';

/** Where a worker's mailbox is and the kernels it may be asked to run (see `Mailbox`). */
export interface KernelWorkerSetup {
  readonly mailbox: MailboxLocation;
  /** Kernel names; a call names its kernel by index into these. */
  readonly names: readonly string[];
}

/** What a started worker tells its pool. */
export interface KernelWorkerEvents {
  /** The worker instantiated the kernels and serves its mailbox. */
  ready(): void;
  /** The worker failed or ended; it runs no further call. */
  fail(error: Error): void;
}

/** One worker that instantiated the kernels over the shared memory and serves its mailbox. */
export interface KernelWorker {
  /** Keeps the host alive while a call is awaited (Node); nothing where the host has no such notion. */
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
  /** Starts a worker that instantiates `module` over `memory` and serves the calls of its mailbox. */
  startWorker(module: WebAssembly.Module, memory: WebAssembly.Memory, setup: KernelWorkerSetup, events: KernelWorkerEvents): KernelWorker;
}
