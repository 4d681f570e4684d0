/**
 * In a browser there is no installed package directory to point tfjs at: the page serves the
 * binaries wherever it likes and says where with tfjs's own `setWasmPaths` (from
 * `@tensorflow/tfjs-backend-wasm`) before the first `tfjs-wasm` call. Returning undefined
 * leaves that choice (or tfjs's default, next to its script) in place.
 */
export function installedWasmDirectory(): string | undefined {
  return undefined;
}
