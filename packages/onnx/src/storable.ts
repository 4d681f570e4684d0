import { BnValueError, describeValue } from '@bnkit/core';

/** Element types in which BN statistics are stored. */
export type StoredFloatType = 'float32' | 'float64';

const EXPECTED = 'values float32 can hold: finite after rounding to float32 (|v| <= 3.4028234663852886e38), and nonzero unless 0 (|v| >= about 1.4e-45)';

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
 * Checks that an array of finite numbers survives being stored in `dataType`, so that a model
 * never silently holds Infinity or 0 where the caller gave a finite, nonzero number.
 * @param field Names the array in errors, e.g. `gamma` or `updates[0].runningVar`.
 * @throws BnValueError naming `field` and the first index whose value float32 cannot hold.
 */
export function checkStorableArray(field: string, values: ArrayLike<number>, dataType: StoredFloatType): void {
  if (dataType !== 'float32') return;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    const problem = float32Problem(value);
    if (problem !== undefined) throw new BnValueError(field, EXPECTED, `${field}[${i}] = ${describeValue(value)}, ${problem}`);
  }
}

/**
 * Checks that a float attribute (ONNX stores every float attribute, e.g. `epsilon`, as a
 * float32) holds `value` without turning it into Infinity or 0.
 * @throws BnValueError naming `field`.
 */
export function checkStorableAttribute(field: string, value: number): void {
  const problem = float32Problem(value);
  if (problem !== undefined) throw new BnValueError(field, `${EXPECTED}, as ONNX float attributes are float32`, `${describeValue(value)}, ${problem}`);
}
