import { join } from 'node:path';
import { ASSET_PREFIXES } from './page/package-hooks.js';
import { dependencyDirectory } from './package-directory.js';

/**
 * The engine binaries the page loads at run time, as URL prefix -> directory to serve: tfjs's
 * wasm binaries from the `@tensorflow/tfjs-backend-wasm` that `@bnkit/tfjs` uses, and ONNX
 * Runtime Web's, which its bundled code looks for next to itself (`new URL(file,
 * import.meta.url)`), so under `/page/` beside the page's chunks. An engine that is not installed
 * is left out; its backend then fails to load in the page with the engine's reason.
 */
export function assetDirectories(fromDir: string): Map<string, string> {
  const directories = new Map<string, string>();
  const tfjsWasm = dependencyDirectory('@bnkit/tfjs', '@tensorflow/tfjs-backend-wasm', fromDir);
  if (tfjsWasm !== undefined) directories.set(ASSET_PREFIXES.tfjsWasm, join(tfjsWasm, 'dist'));
  const ortWeb = dependencyDirectory('@bnkit/onnxruntime-web', 'onnxruntime-web', fromDir);
  if (ortWeb !== undefined) directories.set(ASSET_PREFIXES.pageChunks, join(ortWeb, 'dist'));
  return directories;
}
