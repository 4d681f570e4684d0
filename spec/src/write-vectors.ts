import { mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GOLDEN_CATALOG } from './generate/catalog.js';
import { GOLDEN_SEED, generateCases } from './generate/generate.js';
import { serializeCase } from './generate/serialize.js';
import { caseFilePath, listVectorFiles } from './load-vectors.js';

/** The committed vectors as file contents: path below the vectors directory (`/` separators) -> bytes. */
export function renderVectors(seed: number = GOLDEN_SEED): Map<string, string> {
  const files = new Map<string, string>();
  for (const golden of generateCases(GOLDEN_CATALOG, seed)) files.set(caseFilePath(golden.id), serializeCase(golden));
  return files;
}

/** Writes `text` to `path` through a temporary file in the same directory, so no reader sees half a file. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

function removeEmptyDirs(dir: string, root: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeEmptyDirs(join(dir, entry.name), root);
  if (dir !== root && readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * Regenerates the committed vectors into `dir`: writes every catalog case, and removes `.json`
 * files no case produces (a renamed or dropped case), so that the directory is exactly the catalog.
 * @returns The paths written, relative to `dir`.
 */
export function writeVectors(dir: string, seed: number = GOLDEN_SEED): string[] {
  const files = renderVectors(seed);
  mkdirSync(dir, { recursive: true });
  for (const stale of listVectorFiles(dir)) if (!files.has(stale)) rmSync(join(dir, stale));
  for (const [path, text] of files) writeAtomically(join(dir, path), text);
  removeEmptyDirs(dir, dir);
  return [...files.keys()];
}
