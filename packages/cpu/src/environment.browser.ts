import type { CpuEnvironment } from './environment.js';
import { SERVE_KERNEL_CALLS_SOURCE } from './mailbox.js';

// The worker's whole program. Its one message carries the compiled module, the shared memory and
// the mailbox (posted without copying within a cross-origin isolated page); it instantiates the
// kernels, says so, then serves the mailbox until stopped. It is source text started from a Blob
// URL, so that it needs no file served next to the page's bundle and works whatever bundler built
// the page.
const WORKER_SOURCE = `
${SERVE_KERNEL_CALLS_SOURCE}
onmessage = (event) => {
  const { module, memory, names, mailbox } = event.data;
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  postMessage({ ready: true });
  serveKernelCalls(kernels, names, mailbox.buffer, mailbox.offset);
};
`;

/** The parts of the browser's worker API used here (the workspace compiles without the DOM library). */
interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: (() => void) | null;
  onerror: ((event: { message?: string; preventDefault(): void }) => void) | null;
  onmessageerror: (() => void) | null;
}

interface BrowserScope {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string, options?: { name?: string }) => BrowserWorker;
  Blob: new (parts: string[], options: { type: string }) => object;
  URL: { createObjectURL(blob: object): string };
  atob(text: string): string;
}

const scope = globalThis as unknown as BrowserScope;
let workerUrl: string | undefined;

/**
 * A browser: Web Workers started from a Blob URL of a small script, sharing the memory only in a
 * cross-origin isolated page (elsewhere the backend runs on one thread, without shared memory).
 */
export const cpuEnvironment: CpuEnvironment = {
  name: 'browser',
  availableCores: () => Math.max(1, scope.navigator?.hardwareConcurrency ?? 1),
  sharedMemoryProblem() {
    if (scope.crossOriginIsolated !== true) return 'the page is not cross-origin isolated (it needs the COOP same-origin and COEP require-corp headers)';
    if (typeof scope.Worker !== 'function') return 'this context has no Web Workers';
    return undefined;
  },
  decodeBase64(text) {
    const binary = scope.atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  },
  awaitWorkerStart: true,
  startWorker(module, memory, setup, events) {
    const WorkerClass = scope.Worker as NonNullable<BrowserScope['Worker']>;
    workerUrl ??= scope.URL.createObjectURL(new scope.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const worker = new WorkerClass(workerUrl, { name: 'bnkit-cpu-kernels' });
    worker.onmessage = () => events.ready();
    worker.onerror = (event) => {
      event.preventDefault();
      events.fail(new Error(event.message || 'the worker script failed to load or run'));
    };
    worker.onmessageerror = () => events.fail(new Error('a message to the worker could not be deserialised'));
    worker.postMessage({ module, memory, names: setup.names, mailbox: setup.mailbox });
    return {
      ref: () => undefined,
      unref: () => undefined,
      terminate: async () => worker.terminate(),
    };
  },
};
