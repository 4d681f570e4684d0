import { referenceBackend, type Backend } from '@bnkit/core';
import { createCpuBackend } from '@bnkit/cpu';

/** A backend the bench could load, or why it could not. */
export type BackendSlot = { readonly name: string; readonly backend: Backend } | { readonly name: string; readonly unavailable: string };

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}

async function optional(name: string, load: () => Promise<Backend>): Promise<BackendSlot> {
  try {
    return { name, backend: await load() };
  } catch (error) {
    return { name, unavailable: `not available: ${reason(error)}` };
  }
}

// Names held in variables so TypeScript does not need the optional packages' types to build.
const TFJS_PACKAGE: string = '@bnkit/tfjs';
const ONNXRUNTIME_PACKAGE: string = '@bnkit/onnxruntime';

type Factory<A extends unknown[]> = (...args: A) => Backend;

async function factory<A extends unknown[]>(packageName: string, exportName: string): Promise<Factory<A>> {
  const module = (await import(packageName)) as Record<string, unknown>;
  const create = module[exportName];
  if (typeof create !== 'function') throw new Error(`${packageName} has no export ${exportName}`);
  return create as Factory<A>;
}

/**
 * The backends `pnpm bench` compares: @bnkit/cpu, the float64 reference, and, when their packages
 * exist and load, tfjs (cpu and wasm) and onnxruntime. A package that is missing or fails to load
 * gives a slot with the reason instead of an error.
 */
export async function loadBenchBackends(): Promise<BackendSlot[]> {
  return [
    { name: 'cpu', backend: createCpuBackend() },
    { name: 'reference', backend: referenceBackend },
    await optional('tfjs-cpu', async () => (await factory<[string]>(TFJS_PACKAGE, 'createTfjsBackend'))('cpu')),
    await optional('tfjs-wasm', async () => (await factory<[string]>(TFJS_PACKAGE, 'createTfjsBackend'))('wasm')),
    await optional('onnxruntime', async () => (await factory<[]>(ONNXRUNTIME_PACKAGE, 'createOnnxruntimeBackend'))()),
  ];
}
