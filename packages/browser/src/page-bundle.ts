import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BACKEND_PACKAGES } from '@bnkit/core';
import type { ServedFile } from './asset-server.js';
import { packageDirectory } from './package-directory.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Whether this module runs from its TypeScript sources (tests) rather than from `dist/`. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** The root of `@bnkit/browser`, from which the page's packages are resolved. */
export const PACKAGE_ROOT = join(HERE, '..');
/** From sources, workspace packages are bundled from their sources too (no build needed). */
const CONDITIONS = FROM_SOURCE ? ['@bnkit/source'] : [];

/** The bundled page: files to serve by path, and the backend packages left out with why. */
export interface PageBundle {
  readonly files: ReadonlyMap<string, ServedFile>;
  readonly bundled: readonly string[];
  /** Installed packages that do not bundle for a browser, with esbuild's reason. */
  readonly unbundled: Readonly<Record<string, string>>;
  /** Packages of `BACKEND_PACKAGES` not installed next to `@bnkit/browser`. */
  readonly notInstalled: readonly string[];
}

/** The first error of a failed esbuild run, with the file it is in. */
function firstError(error: unknown): string {
  const failure = error as { errors?: esbuild.Message[] };
  const first = failure.errors?.[0];
  if (!first) return error instanceof Error ? error.message : String(error);
  const where = first.location ? ` (in ${first.location.file})` : '';
  return `${first.text}${where}`;
}

/**
 * Why `packageName` cannot be bundled for a browser (it imports a Node module, or is not
 * installed next to this package), or undefined when it can.
 */
export async function browserBundleProblem(packageName: string): Promise<string | undefined> {
  try {
    await esbuild.build({
      stdin: { contents: `import ${JSON.stringify(packageName)};`, resolveDir: PACKAGE_ROOT, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      conditions: CONDITIONS,
    });
    return undefined;
  } catch (error) {
    return `${packageName} cannot be bundled for a browser: ${firstError(error)}`;
  }
}

/** The generated module `bnkit:backend-packages` (declared in `page/backend-packages.d.ts`). */
function backendPackagesPlugin(bundled: readonly string[], unbundled: Readonly<Record<string, string>>): esbuild.Plugin {
  return {
    name: 'bnkit-backend-packages',
    setup(build) {
      build.onResolve({ filter: /^bnkit:backend-packages$/ }, () => ({ path: 'backend-packages', namespace: 'bnkit' }));
      build.onLoad({ filter: /.*/, namespace: 'bnkit' }, () => ({
        contents: [
          `export const importers = {${bundled.map((name) => `${JSON.stringify(name)}: () => import(${JSON.stringify(name)})`).join(', ')}};`,
          `export const unbundled = ${JSON.stringify(unbundled)};`,
        ].join('\n'),
        resolveDir: PACKAGE_ROOT,
        loader: 'js',
      }));
    },
  };
}

const INDEX_HTML = '<!doctype html>\n<meta charset="utf-8">\n<title>bnkit in the browser</title>\n<script type="module" src="/page/main.js"></script>\n';

/**
 * Bundles the page with esbuild for the browser platform: core's registry, `@bnkit/spec`'s
 * suite, and every installed package of core's `BACKEND_PACKAGES` that bundles (each in its own
 * chunk, imported by the page at run time so that it registers its backends). A package that
 * does not bundle is left out with the reason, which the page reports for its backends.
 * @throws Error with esbuild's first error when the page itself does not bundle.
 */
export async function buildPage(): Promise<PageBundle> {
  const present = BACKEND_PACKAGES.filter((name) => packageDirectory(name, PACKAGE_ROOT) !== undefined);
  const problems = await Promise.all(present.map(async (name) => [name, await browserBundleProblem(name)] as const));
  const bundled = problems.filter(([, problem]) => problem === undefined).map(([name]) => name);
  const unbundled = Object.fromEntries(problems.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
  const entry = join(HERE, 'page', existsSync(join(HERE, 'page', 'main.ts')) ? 'main.ts' : 'main.js');
  const outdir = join(PACKAGE_ROOT, 'page-out');
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: { main: entry },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outdir,
      write: false,
      logLevel: 'silent',
      conditions: CONDITIONS,
      plugins: [backendPackagesPlugin(bundled, unbundled)],
    });
  } catch (error) {
    throw new Error(`the bnkit page does not bundle: ${firstError(error)}`);
  }
  const files = new Map<string, ServedFile>([['/', { body: INDEX_HTML, type: 'text/html; charset=utf-8' }]]);
  for (const file of result.outputFiles) {
    files.set(`/page/${relative(outdir, file.path).split('\\').join('/')}`, { body: file.contents, type: 'text/javascript; charset=utf-8' });
  }
  return { files, bundled, unbundled, notInstalled: BACKEND_PACKAGES.filter((name) => !present.includes(name)) };
}
