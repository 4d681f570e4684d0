import { referenceBackend, type Backend, type BackendExpectations } from '@bnkit/core';
import { firstLine, importPackage, requireExport } from './load-package.js';

/** The backends the CLI knows, in the order tables list them. */
export const BACKEND_NAMES = ['reference', 'cpu', 'tfjs-cpu', 'tfjs-wasm', 'onnxruntime'] as const;

/** A backend name the CLI knows. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The arithmetic a backend's outputs carry, which decides how tight a check can be. */
export type Precision = 'float64' | 'float32';

/** A backend of the catalog: how to build it and what it declares about its own conformance. */
export interface CatalogEntry {
  readonly name: BackendName;
  /** The package that holds it. */
  readonly packageName: string;
  readonly precision: Precision;
  /** Imports the package and builds the backend (not yet initialised) with its expectations. */
  readonly load: () => Promise<{ backend: Backend; expectations: BackendExpectations }>;
}

// Types only: the packages themselves are imported at run time, one at a time, by importPackage.
type CpuModule = typeof import('@bnkit/cpu');
type TfjsModule = typeof import('@bnkit/tfjs');
type OnnxruntimeModule = typeof import('@bnkit/onnxruntime');

async function loadTfjs(name: 'tfjs-cpu' | 'tfjs-wasm'): Promise<{ backend: Backend; expectations: BackendExpectations }> {
  const module = await importPackage('@bnkit/tfjs');
  const create = requireExport<TfjsModule['createTfjsBackend']>(module, '@bnkit/tfjs', 'createTfjsBackend');
  const all = requireExport<TfjsModule['tfjsExpectations']>(module, '@bnkit/tfjs', 'tfjsExpectations', 'object');
  const backend = create(name === 'tfjs-cpu' ? 'cpu' : 'wasm');
  return { backend, expectations: all[name] };
}

/** The catalog: every backend the CLI can run, each loaded lazily. */
export const CATALOG: Readonly<Record<BackendName, CatalogEntry>> = {
  reference: {
    name: 'reference',
    packageName: '@bnkit/core',
    precision: 'float64',
    // The yardstick itself: nothing to expect to fail, no tolerance to widen.
    load: async () => ({ backend: referenceBackend, expectations: { backend: 'reference', expectedFailures: [], toleranceOverrides: [] } }),
  },
  cpu: {
    name: 'cpu',
    packageName: '@bnkit/cpu',
    precision: 'float32',
    load: async () => {
      const module = await importPackage('@bnkit/cpu');
      const create = requireExport<CpuModule['createCpuBackend']>(module, '@bnkit/cpu', 'createCpuBackend');
      const expectations = requireExport<CpuModule['cpuExpectations']>(module, '@bnkit/cpu', 'cpuExpectations', 'object');
      return { backend: create(), expectations };
    },
  },
  'tfjs-cpu': { name: 'tfjs-cpu', packageName: '@bnkit/tfjs', precision: 'float32', load: () => loadTfjs('tfjs-cpu') },
  'tfjs-wasm': { name: 'tfjs-wasm', packageName: '@bnkit/tfjs', precision: 'float32', load: () => loadTfjs('tfjs-wasm') },
  onnxruntime: {
    name: 'onnxruntime',
    packageName: '@bnkit/onnxruntime',
    precision: 'float32',
    load: async () => {
      const module = await importPackage('@bnkit/onnxruntime');
      const create = requireExport<OnnxruntimeModule['createOnnxruntimeBackend']>(module, '@bnkit/onnxruntime', 'createOnnxruntimeBackend');
      const expectations = requireExport<OnnxruntimeModule['onnxruntimeExpectations']>(module, '@bnkit/onnxruntime', 'onnxruntimeExpectations', 'object');
      return { backend: create(), expectations };
    },
  },
};

/** A backend that loaded and initialised. */
export interface ReadyBackend {
  readonly name: BackendName;
  readonly status: 'ready';
  readonly entry: CatalogEntry;
  readonly backend: Backend;
  readonly expectations: BackendExpectations;
}

/** A backend whose package did not load or whose engine did not initialise, and why. */
export interface UnavailableBackend {
  readonly name: BackendName;
  readonly status: 'unavailable';
  readonly entry: CatalogEntry;
  readonly reason: string;
}

/** A catalog backend after an attempt to open it. */
export type OpenedBackend = ReadyBackend | UnavailableBackend;

/**
 * Loads and initialises one backend. Never throws: a failure becomes an `unavailable` result
 * carrying the reason, so one broken engine leaves the others running.
 */
export async function openBackend(name: BackendName): Promise<OpenedBackend> {
  const entry = CATALOG[name];
  try {
    const { backend, expectations } = await entry.load();
    await backend.init();
    return { name, status: 'ready', entry, backend, expectations };
  } catch (error) {
    const reason = firstLine(error instanceof Error ? error.message : String(error));
    return { name, status: 'unavailable', entry, reason };
  }
}

/** Opens several backends one after the other (engines compete for the same cores). */
export async function openBackends(names: readonly BackendName[]): Promise<OpenedBackend[]> {
  const opened: OpenedBackend[] = [];
  for (const name of names) opened.push(await openBackend(name));
  return opened;
}

/** Disposes every ready backend; a failing dispose does not stop the others. */
export async function closeBackends(opened: readonly OpenedBackend[]): Promise<void> {
  for (const slot of opened) {
    if (slot.status === 'ready') await slot.backend.dispose().catch(() => undefined);
  }
}

/** The text every table shows for a backend that could not be opened. */
export function unavailableText(slot: UnavailableBackend): string {
  return `unavailable: ${slot.reason}`;
}
