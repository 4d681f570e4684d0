import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BnValueError, describeValue, readGoldenCase, type GoldenCase } from '@bnkit/core';

/** The directory of the committed vectors (`spec/vectors`), from the sources or the build alike. */
export const VECTORS_DIR = fileURLToPath(new URL('../vectors', import.meta.url));

/** The file of a case below a vectors directory, with `/` separators: `nchw/eps-1e-5/offset-1e4.json`. */
export function caseFilePath(id: string): string {
  return `${id}.json`;
}

/** Every `.json` file below `dir`, as paths relative to it with `/` separators, sorted. */
export function listVectorFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.json')) files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return files.sort();
}

/**
 * Reads a golden case from one file and validates it (`readGoldenCase` of core: the JSON Schema,
 * then the cross-field rules).
 * @throws BnValueError naming the file (and the field) when it is unreadable, not JSON or not a valid case.
 */
export function loadVectorFile(file: string): GoldenCase {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BnValueError(file, 'a readable golden-case file', error instanceof Error ? error.message : describeValue(error));
  }
  return readGoldenCase(text, file);
}

/**
 * Loads every golden case below `dir` (every `.json` file, recursively, in path order). Any
 * directory of files in the golden format works, so anyone can run their own cases.
 * @param dir Default: the committed vectors of `@bnkit/spec`.
 * @throws BnValueError naming the file for an unreadable directory, a malformed file, a spec
 *   version of another major, or two files with the same id.
 */
export function loadVectors(dir: string = VECTORS_DIR): GoldenCase[] {
  let files: string[];
  try {
    files = listVectorFiles(dir);
  } catch (error) {
    throw new BnValueError('dir', 'a readable directory of golden vectors', `${dir} (${error instanceof Error ? error.message : describeValue(error)})`);
  }
  const seen = new Map<string, string>();
  return files.map((file) => {
    const path = join(dir, file);
    const golden = loadVectorFile(path);
    const other = seen.get(golden.id);
    if (other !== undefined) throw new BnValueError(`${path}: id`, `an id no other file uses`, `${golden.id}, also in ${other}`);
    seen.set(golden.id, path);
    return golden;
  });
}
