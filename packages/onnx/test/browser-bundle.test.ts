import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
/** Node's built-in modules a browser does not have, with or without the `node:` prefix. */
const NODE_BUILTIN = /^(node:.*|assert|buffer|child_process|crypto|fs|fs\/promises|module|os|path|stream|url|util|worker_threads)$/;

/** Bundles an entry for the browser, as an application's bundler would, and lists each Node built-in it imports and from where. */
async function bundleForBrowser(entry: string): Promise<{ nodeImports: string[]; bytes: number }> {
  const nodeImports: string[] = [];
  const recordNodeImports: Plugin = {
    name: 'record-node-imports',
    setup(builder) {
      builder.onResolve({ filter: NODE_BUILTIN }, (args) => {
        nodeImports.push(`${args.path} (from ${relative(sourceDir, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    // The workspace's packages are bundled from their sources, as the tests run them.
    conditions: ['@bnkit/source'],
    plugins: [recordNodeImports],
  });
  return { nodeImports, bytes: result.outputFiles.reduce((n, f) => n + f.contents.length, 0) };
}

describe('@bnkit/onnx in the browser', () => {
  it('bundles the main entry (export, inspect, fold, replace, encode, decode) for the browser with no Node import', async () => {
    const { nodeImports, bytes } = await bundleForBrowser(join(sourceDir, 'index.ts'));
    expect(nodeImports).toEqual([]);
    expect(bytes).toBeGreaterThan(0);
  });

  it('finds the Node imports of the file entry, which only Node can run', async () => {
    const { nodeImports } = await bundleForBrowser(join(sourceDir, 'node', 'index.ts'));
    expect(nodeImports.some((line) => line.startsWith('node:fs/promises'))).toBe(true);
  });
});
