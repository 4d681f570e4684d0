import { rename, writeFile } from 'node:fs/promises';

/** Writes `value` as indented JSON to `file` through a temporary file in the same directory, then renames it. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  await rename(temporary, file);
}
