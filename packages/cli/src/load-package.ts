import { BnBackendError } from '@bnkit/core';

/**
 * Imports a workspace package at run time, so that a package that is missing, unbuilt or whose
 * engine fails to load takes down only the command or backend that needs it.
 * @throws BnBackendError naming the package and the import's own message.
 */
export async function importPackage(packageName: string): Promise<Record<string, unknown>> {
  try {
    return (await import(packageName)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unbuilt = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && message.includes(`${packageName}/dist/`);
    if (unbuilt) {
      throw new BnBackendError(packageName, 'a built package', 'no dist/index.js', `${packageName} is not built (run the build first: pnpm build)`);
    }
    throw new BnBackendError(
      packageName,
      'an installed and built package (run the build first)',
      `import failed: ${firstLine(message)}`,
      `${packageName} could not be loaded: ${firstLine(message)}`,
    );
  }
}

/**
 * Returns the export `exportName` of a loaded package, checked to be a function (or, with
 * `kind: 'object'`, a non-null object).
 * @throws BnBackendError naming the package and the export when it is missing.
 */
export function requireExport<T>(
  module: Record<string, unknown>,
  packageName: string,
  exportName: string,
  kind: 'function' | 'object' = 'function',
): T {
  const value = module[exportName];
  const ok = kind === 'function' ? typeof value === 'function' : typeof value === 'object' && value !== null;
  if (!ok) {
    throw new BnBackendError(
      `${packageName}.${exportName}`,
      `an exported ${kind}`,
      value === undefined ? 'no such export' : typeof value,
      `${packageName} does not export ${kind === 'function' ? 'the function' : 'the object'} ${exportName} (not implemented yet?)`,
    );
  }
  return value as T;
}

/** The first line of a message: import errors append long resolution traces. */
export function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
