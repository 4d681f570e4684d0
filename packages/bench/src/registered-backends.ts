import { listBackends, loadBackendPackages, openBackends, type Backend } from '@bnkit/core';
import type { SkippedRow } from './report.js';

/** The backends the bench can time here, opened through the registry, and those it cannot, with why. */
export interface BenchBackends {
  readonly backends: readonly Backend[];
  readonly skipped: readonly SkippedRow[];
}

/**
 * Imports every backend package (core's `BACKEND_PACKAGES`, resolved from this package, which
 * lists them as optional peers) so that each registers its backends, then opens `names` through
 * the registry, or every backend registered for Node when omitted. The registry owns `init` and
 * `dispose`: close them with core's `closeAllBackends` when done. A package that failed to import
 * and a backend whose engine is missing come back as skipped, with the reason.
 * @throws BnBackendError when a name is not registered (listing those that are).
 */
export async function openBenchBackends(names?: readonly string[]): Promise<BenchBackends> {
  const failedPackages = await loadBackendPackages((packageName) => import(packageName));
  const opened = await openBackends(names ?? listBackends({ environment: 'node' }));
  return {
    backends: opened.flatMap((slot) => (slot.status === 'ready' ? [slot.backend] : [])),
    skipped: [
      ...failedPackages.map((failed) => ({ backend: failed.packageName, reason: `package not loaded: ${failed.reason}` })),
      ...opened.flatMap((slot) => (slot.status === 'unavailable' ? [{ backend: slot.name, reason: slot.reason }] : [])),
    ],
  };
}
