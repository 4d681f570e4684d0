import { WebAssembly } from './webassembly-globals.js';
import { Worker } from 'node:worker_threads';
import { BnBackendError } from '@bnkit/core';

// The worker's whole program: instantiate the kernels over the shared memory, then run the calls
// it is sent. It is source text (evaluated by the worker) rather than a file so that it runs the
// same from TypeScript sources under a test runner and from the built package, with no path to resolve.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const kernels = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
parentPort.on('message', (call) => {
  try {
    kernels[call.name](...call.args);
    parentPort.postMessage({ id: call.id });
  } catch (error) {
    parentPort.postMessage({ id: call.id, error: String(error && error.stack || error) });
  }
});
`;

interface Pending {
  worker: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Worker threads that run kernel calls on the shared WebAssembly memory. Started once; a worker
 * is referenced only while a call of it is pending, so an idle pool never keeps the process
 * alive while an awaited call still does. `close` ends them.
 */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly busy: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Why the pool can no longer run calls (a worker failed or exited), once it happened. */
  private broken: Error | undefined;

  /** Starts `size` workers sharing `module` and `memory`. */
  constructor(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory) {
    this.busy = new Array<number>(size).fill(0);
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
      // Listeners first: adding a message listener references the worker again.
      worker.on('message', (reply: { id: number; error?: string }) => this.settle(reply));
      worker.on('error', (error) => this.failAll(error));
      worker.on('exit', (code) => this.failAll(new Error(`worker exited with code ${code}`)));
      worker.unref();
      return worker;
    });
  }

  /** False once a worker has failed or exited; the pool then rejects every call. */
  get healthy(): boolean {
    return this.broken === undefined;
  }

  /** Workers in the pool. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Runs kernel `name` with `args` on worker `index`.
   * @throws BnBackendError (rejects) when the call or the worker fails.
   */
  run(index: number, name: string, args: readonly number[]): Promise<void> {
    const worker = this.workers[index];
    if (this.broken) return Promise.reject(new BnBackendError('threads', 'running workers', `a failed pool: ${this.broken.message}`));
    if (!worker) return Promise.reject(new BnBackendError('threads', `a worker index below ${this.workers.length}`, String(index)));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { worker: index, resolve, reject });
      if ((this.busy[index] = (this.busy[index] as number) + 1) === 1) worker.ref();
      worker.postMessage({ id, name, args });
    });
  }

  /** Ends every worker; calls still pending reject. */
  async close(): Promise<void> {
    this.failAll(new Error('worker pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(reply: { id: number; error?: string }): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    this.release(call.worker);
    if (reply.error === undefined) call.resolve();
    else call.reject(new BnBackendError('threads', 'a kernel call that completes', `a worker error: ${reply.error}`));
  }

  private release(index: number): void {
    if ((this.busy[index] = (this.busy[index] as number) - 1) === 0) this.workers[index]?.unref();
  }

  private failAll(error: Error): void {
    this.broken ??= error;
    for (const call of this.pending.values()) {
      this.release(call.worker);
      call.reject(new BnBackendError('threads', 'a running worker', `a worker failure: ${error.message}`));
    }
    this.pending.clear();
  }
}
