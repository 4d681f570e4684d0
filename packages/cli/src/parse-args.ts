import { constants } from 'node:buffer';
import { BnError, LAYOUTS, OPERATIONS, describeShape, describeValue, type Layout, type Operation } from '@bnkit/core';
import { UsageError } from './usage-error.js';

function splitList(option: string, value: string, expected: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (value.trim() === '' || items.some((item) => item === '')) {
    throw new UsageError(option, expected, describeValue(value));
  }
  return items;
}

/**
 * Parses a comma-separated list of names, each one of `known`; `all` stands for every one.
 * Duplicates are dropped, order is kept.
 * @throws UsageError naming `option` for an empty list or an unknown name.
 */
export function parseNameList<T extends string>(option: string, value: string, known: readonly T[]): T[] {
  const expected = `a comma-separated list of ${known.join(', ')} (or all)`;
  const names = splitList(option, value, expected);
  if (names.includes('all')) return [...known];
  for (const name of names) {
    if (!(known as readonly string[]).includes(name)) {
      throw new UsageError(option, expected, describeValue(name));
    }
  }
  return [...new Set(names)] as T[];
}

/**
 * The most elements a tensor of a command-line shape may have: a float64 tensor of them must fit
 * in one ArrayBuffer of this Node (the reference and the statistics work in float64).
 */
export const MAX_SHAPE_ELEMENTS = Math.floor(constants.MAX_LENGTH / Float64Array.BYTES_PER_ELEMENT);

/**
 * Parses a shape such as `32,64,56,56`.
 * @throws UsageError naming `option` when an item is not a positive integer, or when the tensor
 *   would have more than `MAX_SHAPE_ELEMENTS` elements (no backend could allocate it).
 */
export function parseShape(option: string, value: string): number[] {
  const expected = 'comma-separated positive integers, e.g. 32,64,56,56';
  const dims = splitList(option, value, expected).map((item) => (/^\d+$/.test(item) ? Number(item) : Number.NaN));
  if (dims.some((dim) => !Number.isSafeInteger(dim) || dim < 1)) {
    throw new UsageError(option, expected, describeValue(value));
  }
  const elements = dims.reduce((product, dim) => product * dim, 1);
  if (elements > MAX_SHAPE_ELEMENTS) {
    throw new UsageError(option, `a shape of at most ${MAX_SHAPE_ELEMENTS} elements (the largest tensor this Node can allocate)`, `${describeValue(value)}, ${elements} elements`);
  }
  return dims;
}

/**
 * Parses a layout name.
 * @throws UsageError naming `option` for a name that is not one of core's layouts.
 */
export function parseLayout(option: string, value: string): Layout {
  if (!(LAYOUTS as readonly string[]).includes(value)) {
    throw new UsageError(option, `one of ${LAYOUTS.join(', ')}`, describeValue(value));
  }
  return value as Layout;
}

/**
 * Checks that a shape fits a layout (rank and positive dims), through core's `describeShape`.
 * @throws UsageError naming `--shape` with the rank the layout wants.
 */
export function checkShapeLayout(shape: readonly number[], layout: Layout): void {
  try {
    describeShape(shape, layout, '--shape');
  } catch (error) {
    if (error instanceof BnError) throw new UsageError(`${error.argument} (with --layout ${layout})`, error.expected, error.actual);
    throw error;
  }
}

/**
 * Parses a comma-separated list of operations, named as everywhere else in bnkit (core's
 * `OPERATIONS`: `inference`, `trainForward`, `backward`). Returned in training-step order,
 * without duplicates.
 * @throws UsageError naming `option` for an unknown operation.
 */
export function parseOperations(option: string, value: string): Operation[] {
  const expected = `a comma-separated list of ${OPERATIONS.join(', ')}`;
  const names = splitList(option, value, expected);
  for (const name of names) {
    if (!(OPERATIONS as readonly string[]).includes(name)) throw new UsageError(option, expected, describeValue(name));
  }
  return OPERATIONS.filter((operation) => names.includes(operation));
}

/**
 * Parses an integer within [min, max].
 * @throws UsageError naming `option` for anything else.
 */
export function parseInteger(option: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new UsageError(option, `an integer ${range}`, describeValue(value));
  }
  return number;
}

/**
 * Parses a finite number > 0 (a time in milliseconds, a tolerance).
 * @throws UsageError naming `option` for anything else.
 */
export function parsePositiveNumber(option: string, value: string): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!(Number.isFinite(number) && number > 0)) {
    throw new UsageError(option, 'a finite number > 0', describeValue(value));
  }
  return number;
}
