import { writeFileAtomic } from '@bnkit/core/node';

/** `value` as indented JSON text ending in a newline; non-finite numbers (NaN of an error row) become null. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** Writes `value` as `jsonText` to `file` atomically (temporary file, then rename). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, jsonText(value));
}
