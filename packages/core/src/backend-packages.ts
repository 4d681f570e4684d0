import { describeValue } from './errors.js';

/**
 * The packages that provide backends. Importing one registers its descriptors; this list is the
 * one place a new backend package is added (its descriptors do the rest).
 */
export const BACKEND_PACKAGES: readonly string[] = ['@bnkit/cpu', '@bnkit/tfjs', '@bnkit/onnxruntime', '@bnkit/onnxruntime-web'];

/** A backend package that could not be imported here, and why. */
export interface UnavailablePackage {
  readonly packageName: string;
  readonly reason: string;
}

const unavailable = new Map<string, string>();

/**
 * Imports every package of `BACKEND_PACKAGES` so that each registers its backends. The import
 * is done by the caller's `importer` (usually `(name) => import(name)`), because a package is
 * resolved from the module that imports it and core depends on none of them. A package that
 * fails to import is recorded with the reason (see `listUnavailablePackages`), never thrown.
 */
export async function loadBackendPackages(importer: (packageName: string) => Promise<unknown>, packages: readonly string[] = BACKEND_PACKAGES): Promise<readonly UnavailablePackage[]> {
  for (const packageName of packages) {
    try {
      await importer(packageName);
      unavailable.delete(packageName);
    } catch (error) {
      const message = error instanceof Error ? error.message : describeValue(error);
      unavailable.set(packageName, message.split('\n')[0] ?? message);
    }
  }
  return listUnavailablePackages();
}

/** The backend packages whose last import failed, with the reason. */
export function listUnavailablePackages(): UnavailablePackage[] {
  return [...unavailable].map(([packageName, reason]) => ({ packageName, reason }));
}
