import type { KernelReply, CpuEnvironment } from './environment.js';

// The worker's whole program. Its first message carries the compiled module and the shared
// memory (a module and a shared memory are posted without copying within a cross-origin isolated
// page); every later one is a kernel call. It is source text started from a Blob URL, so that it
// needs no file served next to the page's bundle and works whatever bundler built the page.
const WORKER_SOURCE = `
let kernels;
onmessage = (event) => {
  const call = event.data;
  if (kernels === undefined) {
    kernels = new WebAssembly.Instance(call.module, { env: { memory: call.memory } }).exports;
    postMessage({ ready: true });
    return;
  }
  try {
    kernels[call.name](...call.args);
    postMessage({ id: call.id });
  } catch (error) {
    postMessage({ id: call.id, error: String(error && error.stack || error) });
  }
};
`;

/** The parts of the browser's worker API used here (the workspace compiles without the DOM library). */
interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: KernelReply }) => void) | null;
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
  startWorker(module, memory, events) {
    const WorkerClass = scope.Worker as NonNullable<BrowserScope['Worker']>;
    workerUrl ??= scope.URL.createObjectURL(new scope.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const worker = new WorkerClass(workerUrl, { name: 'bnkit-cpu-kernels' });
    worker.onmessage = (event) => events.reply(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      events.fail(new Error(event.message || 'the worker script failed to load or run'));
    };
    worker.onmessageerror = () => events.fail(new Error('a message to the worker could not be deserialised'));
    worker.postMessage({ module, memory });
    return {
      post: (call) => worker.postMessage(call),
      ref: () => undefined,
      unref: () => undefined,
      terminate: async () => worker.terminate(),
    };
  },
};
