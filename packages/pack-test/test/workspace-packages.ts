import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The workspace's root directory. */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A package as `pnpm pack` wrote it: the tarball, the package.json inside it and its file list. */
export interface PackedPackage {
  readonly name: string;
  readonly tarball: string;
  readonly manifest: PackedManifest;
  /** Paths inside the package (without tar's `package/` prefix). */
  readonly files: readonly string[];
}

/** The fields of a packed package.json these tests read. */
export interface PackedManifest {
  name: string;
  version: string;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The names of the workspace's packages that are not private (those a release publishes). */
export async function publicPackageNames(): Promise<string[]> {
  const dirs = [...(await readdir(join(WORKSPACE_ROOT, 'packages'))).map((name) => join('packages', name)), 'spec'];
  const names: string[] = [];
  for (const dir of dirs) {
    const text = await readFile(join(WORKSPACE_ROOT, dir, 'package.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const manifest = JSON.parse(text) as { name: string; private?: boolean };
    if (manifest.private !== true) names.push(manifest.name);
  }
  return names.sort();
}

/**
 * Packs every public workspace package with `pnpm pack` (which turns `workspace:*` ranges into
 * the packages' versions) into `destination`, and reads each tarball back.
 */
export async function packWorkspace(destination: string): Promise<PackedPackage[]> {
  const filters = (await publicPackageNames()).map((name) => `--filter=${name}`);
  await run('pnpm', ['-r', ...filters, 'pack', '--pack-destination', destination], { cwd: WORKSPACE_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const tarballs = (await readdir(destination)).filter((name) => name.endsWith('.tgz')).sort();
  return Promise.all(tarballs.map((name) => readTarball(join(destination, name))));
}

async function readTarball(tarball: string): Promise<PackedPackage> {
  const listing = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
  const files = listing.stdout
    .split('\n')
    .filter((line) => line.startsWith('package/'))
    .map((line) => line.slice('package/'.length));
  const manifestText = await run('tar', ['-xzOf', tarball, 'package/package.json']);
  const manifest = JSON.parse(manifestText.stdout) as PackedManifest;
  return { name: manifest.name, tarball, manifest, files };
}

/** Every file an `exports` map points at (conditions and subpaths flattened), wildcard targets left out. */
export function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return exports.includes('*') ? [] : [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}
