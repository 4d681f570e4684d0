import { writeFileAtomic } from '@bnkit/core/node';

/** `value` as indented JSON text ending in a newline; NaN (the numbers of an error row) becomes null, as JSON.stringify writes it. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes `value` as `jsonText` to `file` atomically (temporary file, then rename). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, jsonText(value));
}
