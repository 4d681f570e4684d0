/**
 * The calls between the calling thread and one kernel worker, through a small shared buffer
 * instead of messages: the caller writes the kernel and its arguments and bumps a sequence number;
 * the worker, spinning briefly after each call and otherwise asleep in `Atomics.wait`, runs it and
 * stores the number back. A hand-off costs a few microseconds where a message round trip costs
 * tens (an event-loop turn on each side), which is what lets tensors of 10^5 elements use threads.
 */

// Int32 words of a mailbox.
const SEQUENCE = 0; // the caller's latest call (STOP ends the worker)
const DONE = 1; // the call the worker finished last
const KERNEL = 2; // index into the kernel names
// word 3 is unused
const STATUS = 4; // 0: the call returned; 1: it threw (ERROR_LENGTH code units of text follow)
const ERROR_LENGTH = 5;
const WORKER_ASLEEP = 6; // 1 while the worker is (about to be) in Atomics.wait: only then is it notified
const CALLER_WAITING = 7; // 1 while the caller awaits DONE with Atomics.waitAsync: only then is it notified
const STOP = -1;

/** Arguments a call can carry (the widest kernel takes 12). */
export const MAX_KERNEL_ARGUMENTS = 16;
const ARGUMENTS_BYTE = 64;
const ERROR_BYTE = ARGUMENTS_BYTE + 8 * MAX_KERNEL_ARGUMENTS;
const ERROR_UNITS = 448;
/** Bytes of one mailbox: a multiple of 128, so two never share a cache line (or its neighbour). */
export const MAILBOX_BYTES = Math.ceil((ERROR_BYTE + 2 * ERROR_UNITS) / 128) * 128;

/**
 * How long a worker keeps polling after a call before it sleeps, in ms: back-to-back calls (a
 * network's BN layers, a benchmark) then never pay a futex wake-up, and an idle worker costs no
 * processor time after this.
 */
export const WORKER_SPIN_MS = 5;

/**
 * The worker's side as source text: `serveKernelCalls(kernels, names, buffer, offset)` runs calls
 * until the caller stops it. Each environment's worker program embeds it after instantiating the
 * kernels.
 */
export const SERVE_KERNEL_CALLS_SOURCE = `
function serveKernelCalls(kernels, names, buffer, offset) {
  const words = new Int32Array(buffer, offset, ${ARGUMENTS_BYTE / 4});
  const values = new Float64Array(buffer, offset + ${ARGUMENTS_BYTE}, ${MAX_KERNEL_ARGUMENTS});
  const text = new Uint16Array(buffer, offset + ${ERROR_BYTE}, ${ERROR_UNITS});
  const functions = names.map((name) => kernels[name]);
  let seen = 0;
  for (;;) {
    let sequence = Atomics.load(words, ${SEQUENCE});
    if (sequence === seen) {
      const until = performance.now() + ${WORKER_SPIN_MS};
      for (let spin = 1; sequence === seen; spin++) {
        if ((spin & 255) === 0 && performance.now() > until) break;
        sequence = Atomics.load(words, ${SEQUENCE});
      }
      if (sequence === seen) {
        // Announce the sleep, then look once more: a caller that posted before seeing the
        // announcement is seen here, one that posts after it notifies.
        Atomics.store(words, ${WORKER_ASLEEP}, 1);
        if (Atomics.load(words, ${SEQUENCE}) === seen) Atomics.wait(words, ${SEQUENCE}, seen);
        Atomics.store(words, ${WORKER_ASLEEP}, 0);
        continue;
      }
    }
    if (sequence === ${STOP}) return;
    seen = sequence;
    try {
      // Every call passes all ${MAX_KERNEL_ARGUMENTS} values (a WebAssembly export ignores the ones past its
      // parameters), so that serving a call allocates nothing: a collection in this thread would
      // stall the caller, which waits for its part.
      functions[words[${KERNEL}]](${Array.from({ length: MAX_KERNEL_ARGUMENTS }, (_, i) => `values[${i}]`).join(', ')});
      words[${STATUS}] = 0;
    } catch (error) {
      const message = String((error && error.stack) || error).slice(0, ${ERROR_UNITS});
      for (let i = 0; i < message.length; i++) text[i] = message.charCodeAt(i);
      words[${ERROR_LENGTH}] = message.length;
      words[${STATUS}] = 1;
    }
    Atomics.store(words, ${DONE}, sequence);
    if (Atomics.load(words, ${CALLER_WAITING}) === 1) Atomics.notify(words, ${DONE});
  }
}
`;

/** Where a worker's mailbox lives: a SharedArrayBuffer and a byte offset (a multiple of 8). */
export interface MailboxLocation {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
}

/** The caller's side of one worker's mailbox. */
export class Mailbox {
  private readonly words: Int32Array;
  private readonly values: Float64Array;
  private readonly text: Uint16Array;
  private sequence = 0;

  constructor(readonly location: MailboxLocation) {
    this.words = new Int32Array(location.buffer, location.offset, ARGUMENTS_BYTE / 4);
    this.values = new Float64Array(location.buffer, location.offset + ARGUMENTS_BYTE, MAX_KERNEL_ARGUMENTS);
    this.text = new Uint16Array(location.buffer, location.offset + ERROR_BYTE, ERROR_UNITS);
  }

  /** True while a posted call has not finished. */
  get pending(): boolean {
    return Atomics.load(this.words, DONE) !== this.sequence;
  }

  /** Posts a call of kernel number `kernel` with `args` (at most MAX_KERNEL_ARGUMENTS) and wakes the worker. */
  post(kernel: number, args: readonly number[]): void {
    const words = this.words;
    words[KERNEL] = kernel;
    for (let i = 0; i < args.length; i++) this.values[i] = args[i] as number;
    this.sequence = this.sequence === 0x7fffffff ? 1 : this.sequence + 1;
    Atomics.store(words, SEQUENCE, this.sequence);
    if (Atomics.load(words, WORKER_ASLEEP) === 1) Atomics.notify(words, SEQUENCE);
  }

  /**
   * Polls for the posted call for up to `ms` milliseconds; true once it has finished. The caller
   * has normally just finished its own part of the same work, so the worker's is about done too.
   */
  spinUntilDone(ms: number): boolean {
    if (!this.pending) return true;
    const until = performance.now() + ms;
    for (let spin = 1; ; spin++) {
      if (!this.pending) return true;
      if ((spin & 255) === 0 && performance.now() > until) return false;
    }
  }

  /** Resolves once the posted call has finished, without blocking the thread (`Atomics.waitAsync`, else polling by timers). */
  async waitUntilDone(): Promise<void> {
    while (this.pending) {
      const seen = Atomics.load(this.words, DONE);
      if (seen === this.sequence) return;
      const waitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
      if (typeof waitAsync === 'function') {
        // Announce the wait, then look once more (as the worker does before it sleeps).
        Atomics.store(this.words, CALLER_WAITING, 1);
        const result = waitAsync(this.words, DONE, seen, 100);
        try {
          if (result.async) await result.value;
        } finally {
          Atomics.store(this.words, CALLER_WAITING, 0);
        }
      } else {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  }

  /** The error text of the finished call, or undefined when it returned normally. */
  error(): string | undefined {
    if (this.words[STATUS] !== 1) return undefined;
    return String.fromCharCode(...this.text.subarray(0, this.words[ERROR_LENGTH]));
  }

  /** Tells the worker to return from its loop. */
  stop(): void {
    Atomics.store(this.words, SEQUENCE, STOP);
    Atomics.notify(this.words, SEQUENCE);
  }
}
