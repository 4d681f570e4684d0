/**
 * Formats a measured quantity in a few significant digits for tables: `0`, `0.031`, `2.4e-7`,
 * `inf`. Very small and very large magnitudes switch to exponent notation.
 */
export function formatQuantity(value: number, digits = 2): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/** Formats a time in milliseconds with three significant digits (`0.123`, `45.6`, `1234`). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms >= 1000) return ms.toFixed(0);
  return String(Number(ms.toPrecision(3)));
}
