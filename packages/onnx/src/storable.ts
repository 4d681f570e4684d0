import { BnValueError, describeValue } from '@bnkit/core';

/** Element types in which BN statistics are stored. */
export type StoredFloatType = 'float16' | 'float32' | 'float64';

/** What each narrow type holds, in words for errors. */
const EXPECTED: Readonly<Record<'float16' | 'float32', string>> = {
  float32: 'values float32 can hold: finite after rounding to float32 (|v| <= 3.4028234663852886e38), and nonzero unless 0 (|v| >= about 1.4e-45)',
  float16: 'values float16 can hold: finite after rounding to float16 (|v| < 65520), and nonzero unless 0 (|v| > 2^-25, about 2.98e-8)',
};

/**
 * Why float32 cannot hold `value` (it rounds to an infinity, or a nonzero value rounds to 0), or
 * undefined when it can. float64 holds every finite number.
 */
function float32Problem(value: number): string | undefined {
  const rounded = Math.fround(value);
  if (!Number.isFinite(rounded)) return `which float32 stores as ${rounded}`;
  if (rounded === 0 && value !== 0) return 'which float32 stores as 0';
  return undefined;
}

/**
 * Why float16 cannot hold `value`, or undefined when it can. Under round-to-nearest-even,
 * magnitudes from 65520 (halfway between the largest float16, 65504, and the next step) round to
 * Infinity, and nonzero magnitudes up to 2^-25 (half the smallest subnormal) round to 0.
 */
function float16Problem(value: number): string | undefined {
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return `which float16 stores as ${value < 0 ? '-' : ''}Infinity`;
  if (magnitude !== 0 && magnitude <= 2 ** -25) return 'which float16 stores as 0';
  return undefined;
}

/**
 * Checks that an array of finite numbers survives being stored in `dataType`, so that a model
 * never silently holds Infinity or 0 where the caller gave a finite, nonzero number.
 * @param field Names the array in errors, e.g. `gamma` or `updates[0].runningVar`.
 * @throws BnValueError naming `field` and the first index whose value float32 cannot hold.
 */
export function checkStorableArray(field: string, values: ArrayLike<number>, dataType: StoredFloatType): void {
  if (dataType === 'float64') return;
  const problemOf = dataType === 'float16' ? float16Problem : float32Problem;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    const problem = problemOf(value);
    if (problem !== undefined) throw new BnValueError(field, EXPECTED[dataType], `${field}[${i}] = ${describeValue(value)}, ${problem}`);
  }
}

/**
 * Checks that a float attribute (ONNX stores every float attribute, e.g. `epsilon`, as a
 * float32) holds `value` without turning it into Infinity or 0.
 * @throws BnValueError naming `field`.
 */
export function checkStorableAttribute(field: string, value: number): void {
  const problem = float32Problem(value);
  if (problem !== undefined) throw new BnValueError(field, `${EXPECTED.float32}, as ONNX float attributes are float32`, `${describeValue(value)}, ${problem}`);
}
