/**
 * Base class of every error bnkit throws on purpose. `argument` names the offending input,
 * `expected` and `actual` say what was wanted and what was given, in words a user can act on.
 */
export class BnError extends Error {
  /** The argument (or option) that was wrong, e.g. `gamma` or `options.eps`. */
  readonly argument: string;
  /** What the argument should have been. */
  readonly expected: string;
  /** What was given. */
  readonly actual: string;

  constructor(argument: string, expected: string, actual: string, message?: string) {
    super(message ?? `${argument}: expected ${expected}, got ${actual}`);
    this.name = new.target.name;
    this.argument = argument;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A shape, rank or length that does not fit the layout or the other arguments. */
export class BnShapeError extends BnError {}

/** A value outside its allowed range (eps < 0, momentum > 1, negative running variance, ...). */
export class BnValueError extends BnError {}

/** A backend that cannot be registered, found or initialised, or that cannot run a request. */
export class BnBackendError extends BnError {}

/** Formats a value for an error message: arrays as `[a, b, ...]`, typed arrays by type and length. */
export function describeValue(value: unknown): string {
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length;
    return `${value.constructor.name}(${length ?? value.byteLength})`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => describeValue(v)).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'object') return Object.prototype.toString.call(value);
  return String(value);
}
