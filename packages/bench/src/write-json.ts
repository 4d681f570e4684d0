import { writeFileAtomic } from '@bnkit/core/node';

/** Writes `value` as indented JSON to `file` atomically (temporary file, then rename); non-finite numbers become null. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}
