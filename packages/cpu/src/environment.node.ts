import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { KernelReply, CpuEnvironment } from './environment.js';

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
parentPort.postMessage({ ready: true });
`;

/** Node: `worker_threads` workers, unref'd while idle so that they never keep the process alive. */
export const cpuEnvironment: CpuEnvironment = {
  name: 'node',
  availableCores: () => os.availableParallelism(),
  sharedMemoryProblem: () => undefined,
  decodeBase64: (text) => Buffer.from(text, 'base64'),
  awaitWorkerStart: false,
  startWorker(module, memory, events) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
    // Listeners first: adding a message listener references the worker again.
    worker.on('message', (reply: KernelReply) => events.reply(reply));
    worker.on('error', (error) => events.fail(error));
    worker.on('exit', (code) => events.fail(new Error(`worker exited with code ${code}`)));
    worker.unref();
    return {
      post: (call) => worker.postMessage(call),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      terminate: async () => {
        await worker.terminate();
      },
    };
  },
};
