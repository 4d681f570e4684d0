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

  /**
   * @param message Default: `<argument>: expected <expected>, got <actual>`.
   * @param options `cause`: the underlying error (a file system's, an engine's), kept for debugging.
   */
  constructor(argument: string, expected: string, actual: string, message?: string, options?: ErrorOptions) {
    super(message ?? `${argument}: expected ${expected}, got ${actual}`, options);
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

/** How many elements of an array, and how many nested levels, an error message shows. */
const SHOWN_ELEMENTS = 6;
const SHOWN_DEPTH = 3;
/** How many characters of a string an error message shows. */
const SHOWN_CHARACTERS = 80;

/**
 * Formats a value for an error message, briefly whatever its size: a short array as
 * `[a, b, c]`, a longer one by its length and first elements (`Array(1048576) [0, 1, 2, 3, 4, 5, …]`),
 * a typed array by its type, length and first elements (`Float32Array(3) [1, 2, 3]`), arrays
 * nested deeper than three levels by their length only, a long string by its start and length.
 * It reads at most a few elements, so a message about a huge or deeply nested input stays a
 * line long and costs no time.
 */
export function describeValue(value: unknown): string {
  return describe(value, 0);
}

function describeElements(value: ArrayLike<unknown>, depth: number): string {
  const shown = Math.min(value.length, SHOWN_ELEMENTS);
  const parts: string[] = [];
  for (let i = 0; i < shown; i++) parts.push(describe(value[i], depth + 1));
  if (value.length > shown) parts.push('…');
  return `[${parts.join(', ')}]`;
}

function describe(value: unknown, depth: number): string {
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView) return `DataView(${value.byteLength} bytes)`;
    const typed = value as unknown as ArrayLike<unknown>;
    const head = `${value.constructor.name}(${typed.length})`;
    return typed.length === 0 || depth >= SHOWN_DEPTH ? head : `${head} ${describeElements(typed, depth)}`;
  }
  if (Array.isArray(value)) {
    if (depth >= SHOWN_DEPTH) return `Array(${value.length})`;
    return value.length > SHOWN_ELEMENTS ? `Array(${value.length}) ${describeElements(value, depth)}` : describeElements(value, depth);
  }
  if (typeof value === 'string') {
    if (value.length <= SHOWN_CHARACTERS) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, SHOWN_CHARACTERS))}… (${value.length} characters)`;
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return Object.prototype.toString.call(value);
  return String(value);
}
