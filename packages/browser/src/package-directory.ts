import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The directory of package `name` as Node would find it from `fromDir`: the first
 * `node_modules/<name>/package.json` on the way up. Unlike `require.resolve`, it works for
 * packages whose `exports` hide `package.json`. Undefined when it is not installed.
 */
export function packageDirectory(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The directory of `dependency` as seen from the installed package `owner` (a peer or dependency
 * of it), or undefined when either is not installed.
 */
export function dependencyDirectory(owner: string, dependency: string, fromDir: string): string | undefined {
  const ownerDir = packageDirectory(owner, fromDir);
  if (ownerDir === undefined) return undefined;
  try {
    return dirname(createRequire(join(ownerDir, 'package.json')).resolve(`${dependency}/package.json`));
  } catch {
    return packageDirectory(dependency, ownerDir);
  }
}
