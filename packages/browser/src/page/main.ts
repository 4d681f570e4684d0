import {
  BACKEND_PACKAGES,
  OPERATIONS,
  closeBackend,
  getDescriptor,
  listBackends,
  listUnavailablePackages,
  loadBackendPackages,
  openBackend,
  type GoldenCase,
} from '@bnkit/core';
import { checkHardening, checkProperties, runConformance } from '@bnkit/spec';
import { importers, unbundled } from 'bnkit:backend-packages';
import { operationCall, type OperationCall } from './bench-inputs.js';
import { BACKEND_NOTES, PACKAGE_SETUP } from './package-hooks.js';
import { PROGRESS_FUNCTION, type PageApi, type PageConformanceRun, type PageInfo, type PageTiming } from './protocol.js';
import { timeSamples } from './timing.js';

/**
 * The page the runner serves: it imports every backend package that could be bundled (each
 * registers its backends with core's registry, as in Node), and offers the runner the same
 * suite (`runConformance`, `checkProperties` of `@bnkit/spec`) on any of them, plus timings.
 */

type Module = Record<string, unknown>;
const modules = new Map<string, Module>();

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

async function importPackage(packageName: string): Promise<Module> {
  const importer = importers[packageName];
  if (!importer) throw new Error(unbundled[packageName] ?? `${packageName} was not bundled into the page`);
  const module = await importer();
  PACKAGE_SETUP[packageName]?.(module);
  modules.set(packageName, module);
  return module;
}

const loaded = loadBackendPackages(importPackage, BACKEND_PACKAGES);

let cases: Promise<GoldenCase[]> | undefined;
/** The golden cases, as the runner read them in Node and serves them (a page reads no files). */
function goldenCases(): Promise<GoldenCase[]> {
  cases ??= fetch('/cases.json').then(async (response) => {
    if (!response.ok) throw new Error(`GET /cases.json: ${response.status}`);
    return (await response.json()) as GoldenCase[];
  });
  return cases;
}

function progress(backend: string, done: number, total: number): void {
  const report = (globalThis as Record<string, unknown>)[PROGRESS_FUNCTION];
  if (typeof report === 'function') void (report as (b: string, d: number, t: number) => Promise<void>)(backend, done, total);
}

function notesOf(name: string, backend: object): Record<string, string> | undefined {
  const hook = BACKEND_NOTES[name];
  const module = hook ? modules.get(hook.packageName) : undefined;
  if (!hook || !module) return undefined;
  try {
    return hook.notes(module, backend);
  } catch (error) {
    return { notesError: message(error) };
  }
}

/** The WebGPU adapter this page gets, as `vendor architecture`, or why there is none. */
async function webgpuAdapter(): Promise<string> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: { vendor: string; architecture: string } } | null> } } }).navigator?.gpu;
  if (!gpu) return 'none: navigator.gpu is undefined';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'none: requestAdapter() returned null';
    return adapter.info ? `${adapter.info.vendor} ${adapter.info.architecture}`.trim() || 'an adapter without a name' : 'an adapter without info';
  } catch (error) {
    return `none: requestAdapter() threw ${message(error)}`;
  }
}

const api: PageApi = {
  async info(): Promise<PageInfo> {
    await loaded;
    const scope = globalThis as unknown as { crossOriginIsolated?: boolean; navigator: { hardwareConcurrency: number } };
    return {
      crossOriginIsolated: scope.crossOriginIsolated === true,
      hardwareConcurrency: scope.navigator.hardwareConcurrency,
      webgpu: await webgpuAdapter(),
      backends: listBackends().map((name) => {
        const { packageName, precision, role, environments } = getDescriptor(name);
        return { name, packageName, precision, role, environments: [...environments] };
      }),
      unavailablePackages: listUnavailablePackages(),
    };
  },

  async conformance(name, options): Promise<PageConformanceRun> {
    await loaded;
    const descriptor = getDescriptor(name);
    if (!descriptor.environments.includes('browser')) {
      return { name, status: 'unavailable', reason: `${descriptor.packageName} declares it for ${descriptor.environments.join(', ')} only` };
    }
    const operations = options.operations ?? OPERATIONS;
    const selected = (await goldenCases())
      .map((golden) => ({ ...golden, operations: golden.operations.filter((operation) => operations.includes(operation)) }))
      .filter((golden) => golden.operations.length > 0);
    const opened = await openBackend(name);
    if (opened.status !== 'ready') return { name, status: 'unavailable', reason: opened.reason };
    const notes = notesOf(name, opened.backend);
    const total = selected.reduce((sum, golden) => sum + golden.operations.length, 0);
    try {
      // Properties and hardening first: runConformance disposes the backend when it is done.
      const properties =
        options.propertyRuns === 0
          ? undefined
          : await checkProperties(opened.backend, {
              operations,
              expectations: opened.expectations,
              ...(options.propertyRuns !== undefined && { numRuns: options.propertyRuns }),
            });
      // The float64 yardstick is not hardened (it takes no out buffers); the checks are for backends to ship.
      const hardening = options.hardening === false || descriptor.role !== 'backend' ? undefined : await checkHardening(opened.backend, opened.expectations);
      let done = 0;
      const report = await runConformance(opened.backend, {
        cases: selected,
        expectations: opened.expectations,
        onResult: () => progress(name, ++done, total),
      });
      return { name, status: 'ready', report, ...(properties && { properties }), ...(hardening && { hardening }), ...(notes && { notes }) };
    } catch (error) {
      return { name, status: 'ready', error: message(error), ...(notes && { notes }) };
    } finally {
      await closeBackend(name).catch(() => undefined);
    }
  },

  async bench(names, options): Promise<PageTiming[]> {
    await loaded;
    const timings: PageTiming[] = [];
    for (const operation of options.operations) {
      // Half the bytes the operation must move are read and half written, as in bench's copy baseline.
      const length = Math.max(1, Math.round((options.copyBytes[operation] ?? 0) / 8));
      const source = new Float32Array(length).fill(1.5);
      const target = new Float32Array(length);
      timings.push({ subject: 'copy', operation, samplesMs: await timeSamples(() => target.set(source), options.minTimeMs, options.repeats, options.warmUpMs) });
    }
    for (const name of names) {
      const opened = await openBackend(name);
      for (const operation of options.operations) {
        if (opened.status !== 'ready') {
          timings.push({ subject: name, operation, samplesMs: [], error: opened.reason });
          continue;
        }
        let prepared: OperationCall | undefined;
        try {
          prepared = operationCall(opened.backend, options.shape, options.layout, operation);
          timings.push({ subject: name, operation, samplesMs: await timeSamples(prepared.call, options.minTimeMs, options.repeats, options.warmUpMs) });
        } catch (error) {
          timings.push({ subject: name, operation, samplesMs: [], error: message(error) });
        } finally {
          prepared?.release();
        }
      }
      await closeBackend(name).catch(() => undefined);
    }
    return timings;
  },
};

(globalThis as Record<string, unknown>)['__bnkit'] = api;
