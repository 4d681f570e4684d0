import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

/**
 * The directory holding the installed `@tensorflow/tfjs-backend-wasm` binaries (`dist/`), as a
 * file path ending in the path separator, which is the form `setWasmPaths` expects for a prefix.
 * It is resolved from the installed package, so it follows wherever the package manager put it.
 * Node only: the package's `#wasm-paths` import gives browsers `wasm-paths.browser.ts` instead.
 * @throws Error (from module resolution) when the package is not installed.
 */
export function installedWasmDirectory(): string | undefined {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(packageJson), 'dist') + sep;
}
