import { cpuEnvironment } from '#environment';
import { BnBackendError } from '@bnkit/core';
import type { KernelWorker } from './environment.js';
import { MAILBOX_BYTES, Mailbox } from './mailbox.js';
import type { WebAssembly } from './webassembly-globals.js';

/**
 * How long `join` polls for a worker's part before it waits without blocking, in ms: about the
 * time a worker takes to wake from sleep and finish a part the calling thread has just finished.
 */
const JOIN_SPIN_MS = 10;

/**
 * Workers that run kernel calls on the shared WebAssembly memory: Node's worker_threads or a
 * browser's Web Workers, through the environment adapter of `#environment`. Calls travel through
 * one `Mailbox` per worker (shared memory and `Atomics`), not messages. Started once; in Node a
 * worker is referenced only while its call is awaited, so an idle pool never keeps the process
 * alive. `close` ends them.
 */
export class WorkerPool {
  private readonly workers: KernelWorker[] = [];
  private readonly mailboxes: Mailbox[] = [];
  private readonly kernelIndex: ReadonlyMap<string, number>;
  private unstarted: number;
  private signalStarted: () => void = () => undefined;
  /** Why the pool can no longer run calls (a worker failed or exited), once it happened. */
  private broken: Error | undefined;
  private signalBroken: () => void = () => undefined;
  private readonly brokenSignal: Promise<void>;
  /**
   * Settles once every worker has instantiated the kernels, or the pool has broken (then
   * `healthy` is false). Never rejects.
   */
  readonly started: Promise<void>;

  /**
   * Starts `size` workers sharing `module` and `memory`, able to run the kernels `names`; a
   * worker that cannot start breaks the pool.
   */
  constructor(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[]) {
    this.kernelIndex = new Map(names.map((name, index) => [name, index]));
    this.unstarted = size;
    this.started = new Promise<void>((resolve) => {
      this.signalStarted = resolve;
    });
    this.brokenSignal = new Promise<void>((resolve) => {
      this.signalBroken = resolve;
    });
    const buffer = new SharedArrayBuffer(Math.max(1, size) * MAILBOX_BYTES);
    const events = {
      ready: () => {
        if (--this.unstarted === 0) this.signalStarted();
      },
      fail: (error: Error) => this.fail(error),
    };
    try {
      for (let i = 0; i < size; i++) {
        const mailbox = new Mailbox({ buffer, offset: i * MAILBOX_BYTES });
        this.mailboxes.push(mailbox);
        this.workers.push(cpuEnvironment.startWorker(module, memory, { mailbox: mailbox.location, names }, events));
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
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
   * Hands kernel `name` with `args` to worker `index` and returns at once; `join(index)` awaits it.
   * @throws BnBackendError for a failed pool, an unknown worker or kernel, or a worker whose
   *   previous call was not joined.
   */
  start(index: number, name: string, args: readonly number[]): void {
    const mailbox = this.mailboxes[index];
    const kernel = this.kernelIndex.get(name);
    if (this.broken) throw new BnBackendError('threads', 'running workers', `a failed pool: ${this.broken.message}`);
    if (!mailbox) throw new BnBackendError('threads', `a worker index below ${this.workers.length}`, String(index));
    if (kernel === undefined) throw new BnBackendError('threads', `a kernel among ${[...this.kernelIndex.keys()].join(', ')}`, name);
    if (mailbox.pending) throw new BnBackendError('threads', 'an idle worker', `worker ${index} still running its previous call`);
    mailbox.post(kernel, args);
  }

  /**
   * Resolves when worker `index` has finished the call `start` gave it.
   * @throws BnBackendError (rejects) when the call threw or the pool failed meanwhile.
   */
  async join(index: number): Promise<void> {
    const mailbox = this.mailboxes[index];
    if (!mailbox) throw new BnBackendError('threads', `a worker index below ${this.workers.length}`, String(index));
    if (!mailbox.spinUntilDone(JOIN_SPIN_MS)) {
      const worker = this.workers[index] as KernelWorker;
      worker.ref();
      try {
        await Promise.race([mailbox.waitUntilDone(), this.brokenSignal]);
      } finally {
        worker.unref();
      }
      if (mailbox.pending) throw new BnBackendError('threads', 'a running worker', `a worker failure: ${this.broken?.message ?? 'unknown'}`);
    }
    const error = mailbox.error();
    if (error !== undefined) throw new BnBackendError('threads', 'a kernel call that completes', `a worker error: ${error}`);
  }

  /** Ends every worker; calls still awaited reject. */
  async close(): Promise<void> {
    this.fail(new Error('worker pool closed'));
    for (const mailbox of this.mailboxes) mailbox.stop();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(error: Error): void {
    this.broken ??= error;
    this.signalStarted();
    this.signalBroken();
  }
}
