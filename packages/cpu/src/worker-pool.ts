import { cpuEnvironment } from '#environment';
import { BnBackendError } from '@bnkit/core';
import type { KernelReply, KernelWorker } from './environment.js';
import type { WebAssembly } from './webassembly-globals.js';

interface Pending {
  worker: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Workers that run kernel calls on the shared WebAssembly memory: Node's worker_threads or a
 * browser's Web Workers, through the environment adapter of `#environment`. Started once; in
 * Node a worker is referenced only while a call of it is pending, so an idle pool never keeps the
 * process alive while an awaited call still does. `close` ends them.
 */
export class WorkerPool {
  private readonly workers: KernelWorker[] = [];
  private readonly busy: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private unstarted: number;
  private signalStarted: () => void = () => undefined;
  /** Why the pool can no longer run calls (a worker failed or exited), once it happened. */
  private broken: Error | undefined;
  /**
   * Settles once every worker has instantiated the kernels, or the pool has broken (then
   * `healthy` is false). Never rejects.
   */
  readonly started: Promise<void>;

  /** Starts `size` workers sharing `module` and `memory`; a worker that cannot start breaks the pool. */
  constructor(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory) {
    this.busy = new Array<number>(size).fill(0);
    this.unstarted = size;
    this.started = new Promise<void>((resolve) => {
      this.signalStarted = resolve;
    });
    const events = { reply: (reply: KernelReply) => this.settle(reply), fail: (error: Error) => this.failAll(error) };
    try {
      for (let i = 0; i < size; i++) this.workers.push(cpuEnvironment.startWorker(module, memory, events));
    } catch (error) {
      this.failAll(error instanceof Error ? error : new Error(String(error)));
    }
    if (size === 0) this.signalStarted();
  }

  /** False once a worker has failed or exited; the pool then rejects every call. */
  get healthy(): boolean {
    return this.broken === undefined;
  }

  /** Why the pool stopped running calls, or undefined while it is healthy. */
  get failure(): string | undefined {
    return this.broken?.message;
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
      worker.post({ id, name, args });
    });
  }

  /** Ends every worker; calls still pending reject. */
  async close(): Promise<void> {
    this.failAll(new Error('worker pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(reply: KernelReply): void {
    if ('ready' in reply) {
      if (--this.unstarted === 0) this.signalStarted();
      return;
    }
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
    this.signalStarted();
    for (const call of this.pending.values()) {
      this.release(call.worker);
      call.reject(new BnBackendError('threads', 'a running worker', `a worker failure: ${error.message}`));
    }
    this.pending.clear();
  }
}
