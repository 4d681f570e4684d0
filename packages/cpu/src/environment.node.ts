import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CpuEnvironment } from './environment.js';
import { SERVE_KERNEL_CALLS_SOURCE } from './mailbox.js';

// The worker's whole program: instantiate the kernels over the shared memory, say so, then serve
// the mailbox until stopped. It is source text (evaluated by the worker) rather than a file so
// that it runs the same from TypeScript sources under a test runner and from the built package,
// with no path to resolve.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${SERVE_KERNEL_CALLS_SOURCE}
const kernels = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
parentPort.postMessage({ ready: true });
serveKernelCalls(kernels, workerData.names, workerData.mailbox.buffer, workerData.mailbox.offset);
`;

/** Node: `worker_threads` workers, unref'd while idle so that they never keep the process alive. */
export const cpuEnvironment: CpuEnvironment = {
  name: 'node',
  availableCores: () => os.availableParallelism(),
  sharedMemoryProblem: () => undefined,
  decodeBase64: (text) => Buffer.from(text, 'base64'),
  awaitWorkerStart: false,
  startWorker(module, memory, setup, events) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, names: setup.names, mailbox: setup.mailbox } });
    // Listeners first: adding a message listener references the worker again.
    worker.on('message', () => events.ready());
    worker.on('error', (error) => events.fail(error));
    worker.on('exit', (code) => events.fail(new Error(`worker exited with code ${code}`)));
    worker.unref();
    return {
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      terminate: async () => {
        await worker.terminate();
      },
    };
  },
};
