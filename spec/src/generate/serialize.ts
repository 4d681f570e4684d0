import { BnValueError, type GoldenCase } from '@bnkit/core';

/**
 * The shortest decimal that rounds to the same float32 as `value` (`0.1` rather than
 * `0.10000000149011612`). Read back and rounded to float32, it gives `Math.fround(value)` exactly.
 */
export function shortestFloat32(value: number): number {
  const target = Math.fround(value);
  if (target === 0 || !Number.isFinite(target)) return target;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  // Nine significant digits always identify a float32.
  return Number(target.toPrecision(9));
}

function isPrimitiveArray(value: unknown[]): boolean {
  return value.every((item) => typeof item === 'number' || typeof item === 'string' || typeof item === 'boolean');
}

function write(value: unknown, indent: string, path: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BnValueError(path, 'a finite number', String(value));
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (isPrimitiveArray(value)) return `[${value.map((item, i) => write(item, '', `${path}[${i}]`)).join(', ')}]`;
    return `[\n${value.map((item, i) => inner + write(item, inner, `${path}[${i}]`)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${write(item, inner, `${path}.${key}`)}`).join(',\n')}\n${indent}}`;
  }
  throw new BnValueError(path, 'a JSON value', typeof value);
}

/**
 * Serializes a case as JSON deterministically: fields in the order the object holds them, two
 * spaces of indentation, each array of numbers or strings on one line, numbers in JavaScript's
 * shortest round-trip form, and a final newline. The same case always gives the same bytes.
 * @throws BnValueError naming the field of a non-finite number.
 */
export function serializeCase(golden: GoldenCase): string {
  return `${write(golden, '', golden.id)}\n`;
}
