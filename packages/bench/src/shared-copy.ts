import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { BnBackendError, BnValueError, describeValue } from '@bnkit/core';
import { copyElements } from './copy-baseline.js';
import { timeCall, type Timing, type TimingOptions } from './timing.js';

// Control words in a shared Int32Array: the generation the calling thread last started, and
// per worker the generation it last finished.
const GENERATION = 0;
const STOP = -1;

// A worker that has not finished its part by then has died or hangs.
const WORKER_TIMEOUT_MS = 10_000;

// Split points are multiples of a cache line of float32, so no two threads write one line.
const ALIGN = 16;

// The worker's program, as source text so that it runs the same from TypeScript sources under a
// test runner and from the built package. It spins briefly before sleeping so that back-to-back
// copies do not pay a futex wake-up each; between measurements it sleeps.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, slot, port } = workerData;
let source, target, seen = 0;
for (;;) {
  let generation = Atomics.load(control, 0);
  for (let spin = 0; generation === seen && spin < 20000; spin++) generation = Atomics.load(control, 0);
  if (generation === seen) { Atomics.wait(control, 0, seen); continue; }
  if (generation === ${STOP}) break;
  seen = generation;
  for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) ({ source, target } = message.message);
  if (source) target.set(source);
  Atomics.store(control, slot, generation);
}
`;

/**
 * The two-thread copy baseline: the calling thread and `threads - 1` workers each copy one part
 * of a Float32Array in a SharedArrayBuffer into another, started and joined through Atomics (no
 * message per copy). It is the honest limit for a backend that splits a tensor in shared memory
 * across the same number of threads. `close` ends the workers.
 */
export class SharedCopy {
  private readonly control: Int32Array;
  private readonly workers: Worker[];
  private readonly ports: MessagePort[];
  private generation = 0;

  /**
   * Starts `threads - 1` worker threads.
   * @throws BnValueError when `threads` is not an integer of at least 2.
   */
  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 2) throw new BnValueError('threads', 'an integer >= 2', describeValue(threads));
    this.control = new Int32Array(new SharedArrayBuffer(4 * threads));
    this.ports = [];
    this.workers = Array.from({ length: threads - 1 }, (_, i) => {
      const { port1, port2 } = new MessageChannel();
      this.ports.push(port1);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { control: this.control, slot: i + 1, port: port2 }, transferList: [port2] });
      // A sleeping worker must not keep the process alive if a caller forgets `close`.
      worker.unref();
      return worker;
    });
  }

  /**
   * Prepares copies of `source` into `target` (Float32Arrays of one length over
   * SharedArrayBuffers) and returns the call that performs one copy, synchronously, every thread
   * copying its part. The worker takes the new arrays with the next call.
   * @throws BnValueError when an array is not over a SharedArrayBuffer or the lengths differ.
   */
  prepare(source: Float32Array, target: Float32Array): () => void {
    for (const [name, array] of [['source', source], ['target', target]] as const) {
      if (!(array.buffer instanceof SharedArrayBuffer)) throw new BnValueError(name, 'a Float32Array over a SharedArrayBuffer', describeValue(array));
    }
    if (source.length !== target.length) throw new BnValueError('target', `${source.length} elements like source`, String(target.length));
    const elements = source.length;
    const parts = this.threads;
    const bound = (p: number): number => (p === parts ? elements : Math.min(elements, Math.ceil((elements * p) / parts / ALIGN) * ALIGN));
    this.ports.forEach((port, i) => port.postMessage({ source: source.subarray(bound(i + 1), bound(i + 2)), target: target.subarray(bound(i + 1), bound(i + 2)) }));
    const own = { source: source.subarray(0, bound(1)), target: target.subarray(0, bound(1)) };
    return () => {
      const generation = ++this.generation;
      Atomics.store(this.control, GENERATION, generation);
      Atomics.notify(this.control, GENERATION);
      own.target.set(own.source);
      // Spin: the workers' parts take about as long as this thread's, and a sleep would add a wake-up.
      const deadline = performance.now() + WORKER_TIMEOUT_MS;
      for (let slot = 1; slot < parts; slot++) {
        while (Atomics.load(this.control, slot) !== generation) {
          if (performance.now() > deadline) throw new BnBackendError('copy-2t', `a worker that copies within ${WORKER_TIMEOUT_MS} ms`, 'no answer');
        }
      }
    };
  }

  /** Times one copy of `bytes` moved (bytes/8 elements read and written), like the backends. */
  async measure(bytes: number, timing: TimingOptions): Promise<Timing> {
    const elements = copyElements(bytes);
    const source = new Float32Array(new SharedArrayBuffer(4 * elements)).fill(1.5);
    const target = new Float32Array(new SharedArrayBuffer(4 * elements));
    return timeCall(this.prepare(source, target), timing);
  }

  /** Stops and ends the workers. */
  async close(): Promise<void> {
    Atomics.store(this.control, GENERATION, STOP);
    Atomics.notify(this.control, GENERATION);
    for (const port of this.ports) port.close();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
