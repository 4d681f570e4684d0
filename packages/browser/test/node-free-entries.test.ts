import { describe, expect, it } from 'vitest';
import { browserBundleProblem } from '../src/page-bundle.js';

// Each entry that claims to work in a browser, bundled by esbuild for the browser platform, where
// any import of a Node module (node:fs, or a bare 'fs' that no browser field maps away) fails the build.
const BROWSER_ENTRIES = ['@bnkit/core', '@bnkit/spec', '@bnkit/tfjs', '@bnkit/onnx'];

describe('browser entries bundle without Node modules', () => {
  it.each(BROWSER_ENTRIES)('%s', async (entry) => {
    expect(await browserBundleProblem(entry)).toBeUndefined();
  }, 60_000);

  it('catches an entry that imports a Node module', async () => {
    // Core's Node subpath writes files with node:fs; if this bundled, the check above would prove nothing.
    expect(await browserBundleProblem('@bnkit/core/node')).toMatch(/Could not resolve "node:/);
  });
});
