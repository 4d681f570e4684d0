import { OPERATIONS, type Operation } from '../backend.js';
import { BnError, BnValueError, describeValue } from '../errors.js';
import { describeShape, LAYOUTS, type Layout, type ShapeInfo } from '../layout.js';
import { resolveOptions } from '../options.js';
import { CASE_ID_PATTERN, GROUP_PATTERN } from './case-id.js';
import { GOLDEN_SPEC_VERSION, type GoldenCase } from './format.js';

type Json = Record<string, unknown>;

/** Collects the context of a check so that every error names the source and the field. */
class Checker {
  /** `strict`: refuse unknown fields (false for a newer minor version, which may add optional ones). */
  constructor(
    private readonly source: string,
    public strict = true,
  ) {}

  fail(path: string, expected: string, actual: unknown): never {
    throw new BnValueError(`${this.source}: ${path}`, expected, typeof actual === 'string' ? actual : describeValue(actual));
  }

  object(path: string, value: unknown, required: readonly string[], optional: readonly string[] = []): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    const record = value as Json;
    for (const key of required) if (!(key in record)) this.fail(`${path}.${key}`, 'present', 'missing');
    for (const key of this.strict ? Object.keys(record) : []) {
      if (!required.includes(key) && !optional.includes(key)) this.fail(`${path}.${key}`, `no such field (known: ${[...required, ...optional].join(', ')})`, 'present');
    }
    return record;
  }

  string(path: string, value: unknown, pattern?: RegExp): string {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    if (pattern && !pattern.test(value)) this.fail(path, `a string matching ${pattern}`, value);
    return value;
  }

  boolean(path: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'a boolean', value);
    return value;
  }

  nonNegative(path: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) this.fail(path, 'a finite number >= 0', value);
    return value;
  }

  count(path: string, value: unknown): number {
    if (!Number.isInteger(value) || (value as number) < 0) this.fail(path, 'an integer >= 0', value);
    return value as number;
  }

  /** An array of `length` finite numbers, each >= 0 (`bound: 'nonNegative'`) or > 0 (`'positive'`) when asked. */
  numbers(path: string, value: unknown, length: number, bound?: 'nonNegative' | 'positive'): number[] {
    if (!Array.isArray(value)) this.fail(path, `an array of ${length} numbers`, value);
    if (value.length !== length) this.fail(path, `${length} numbers`, `${value.length} numbers`);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'number' || !Number.isFinite(item)) this.fail(`${path}[${i}]`, 'a finite number', item);
      if (bound === 'nonNegative' && !(item >= 0)) this.fail(`${path}[${i}]`, 'a number >= 0', item);
      if (bound === 'positive' && !(item > 0)) this.fail(`${path}[${i}]`, 'a number > 0', item);
    }
    return value as number[];
  }

  /** `value` must be present exactly when `wanted`. */
  presence(path: string, value: unknown, wanted: boolean, why: string): boolean {
    if (wanted && value === undefined) this.fail(path, `present (${why})`, 'missing');
    if (!wanted && value !== undefined) this.fail(path, `absent (${why})`, 'present');
    return wanted;
  }
}

function checkTolerances(check: Checker, value: unknown): void {
  const kinds = ['y', 'stats', 'dx', 'dparams'];
  const record = check.object('tolerance', value, kinds);
  for (const kind of kinds) {
    const tolerance = check.object(`tolerance.${kind}`, record[kind], ['abs', 'rel']);
    check.nonNegative(`tolerance.${kind}.abs`, tolerance.abs);
    check.nonNegative(`tolerance.${kind}.rel`, tolerance.rel);
  }
}

/**
 * Checks that `value` (a parsed JSON document) is a well-formed golden case and returns it typed.
 * Every field of `GoldenCase` is checked: types, lengths against the shape and layout, options
 * valid for their convention, an expected output for each listed operation and only those, and
 * the fields the options call for (gamma and beta when affine, running statistics when tracked,
 * dy when backward is checked). The spec version must have the major of `GOLDEN_SPEC_VERSION`;
 * unknown fields are refused, except in a newer minor version, which may add optional ones.
 * @param source Names the document in errors, e.g. its file path.
 * @throws BnValueError whose argument is `<source>: <field>` for the first problem found.
 */
export function checkGoldenCase(value: unknown, source: string): GoldenCase {
  const check: Checker = new Checker(source);
  // The version decides how strict the rest is, so it is read first.
  check.strict = false;
  const loose = check.object('case', value, ['specVersion']);
  const version = check.string('specVersion', loose.specVersion, /^\d+\.\d+\.\d+$/).split('.').map(Number);
  const known = GOLDEN_SPEC_VERSION.split('.').map(Number);
  if (version[0] !== known[0]) check.fail('specVersion', `major version ${known[0]} (${GOLDEN_SPEC_VERSION})`, loose.specVersion);
  check.strict = (version[1] as number) <= (known[1] as number);
  const root = check.object('case', value, ['specVersion', 'id', 'group', 'description', 'operations', 'layout', 'shape', 'options', 'params', 'steps', 'tolerance']);
  check.string('id', root.id, CASE_ID_PATTERN);
  check.string('group', root.group, GROUP_PATTERN);
  check.string('description', root.description);

  if (!Array.isArray(root.operations) || root.operations.length === 0) check.fail('operations', 'a non-empty array of operations', root.operations);
  const operations = root.operations as unknown[];
  operations.forEach((op, i) => {
    if (!OPERATIONS.includes(op as Operation)) check.fail(`operations[${i}]`, `one of ${OPERATIONS.join(', ')}`, op);
    if (operations.indexOf(op) !== i) check.fail(`operations[${i}]`, 'no repeated operation', op);
  });
  const has = (op: Operation): boolean => operations.includes(op);
  if (has('backward') && !has('trainForward')) check.fail('operations', 'trainForward listed with backward (backward takes its saved statistics)', root.operations);

  if (!LAYOUTS.includes(root.layout as Layout)) check.fail('layout', `one of ${LAYOUTS.join(', ')}`, root.layout);
  if (!Array.isArray(root.shape)) check.fail('shape', 'an array of dims', root.shape);
  let info: ShapeInfo;
  try {
    info = describeShape(root.shape as number[], root.layout as Layout);
  } catch (error) {
    check.fail('shape', error instanceof BnError ? error.expected : 'a shape of the layout', root.shape);
  }

  const options = check.object('options', root.options, ['convention', 'eps', 'momentum', 'affine', 'trackRunningStats', 'allowSingleValuePerChannel']);
  check.nonNegative('options.eps', options.eps);
  if (options.momentum !== null) check.nonNegative('options.momentum', options.momentum);
  const affine = check.boolean('options.affine', options.affine);
  const tracked = check.boolean('options.trackRunningStats', options.trackRunningStats);
  check.boolean('options.allowSingleValuePerChannel', options.allowSingleValuePerChannel);
  try {
    resolveOptions(options);
  } catch (error) {
    if (error instanceof BnError) check.fail(error.argument, error.expected, error.actual);
    throw error;
  }

  const params = check.object('params', root.params, [], ['gamma', 'beta', 'runningMean', 'runningVar', 'numBatchesTracked']);
  for (const key of ['gamma', 'beta'] as const) {
    if (check.presence(`params.${key}`, params[key], affine, affine ? 'options.affine is true' : 'options.affine is false')) check.numbers(`params.${key}`, params[key], info.c);
  }
  for (const key of ['runningMean', 'runningVar'] as const) {
    const why = tracked ? 'options.trackRunningStats is true' : 'options.trackRunningStats is false';
    if (check.presence(`params.${key}`, params[key], tracked, why)) check.numbers(`params.${key}`, params[key], info.c, key === 'runningVar' ? 'nonNegative' : undefined);
  }
  if (params.numBatchesTracked !== undefined) {
    if (!tracked) check.presence('params.numBatchesTracked', params.numBatchesTracked, false, 'options.trackRunningStats is false');
    check.count('params.numBatchesTracked', params.numBatchesTracked);
  }

  if (!Array.isArray(root.steps) || root.steps.length === 0) check.fail('steps', 'a non-empty array of steps', root.steps);
  if (root.steps.length > 1 && !has('trainForward')) check.fail('steps', 'one step unless trainForward is listed (steps chain running statistics)', `${root.steps.length} steps`);
  root.steps.forEach((raw, s) => {
    const at = `steps[${s}]`;
    const step = check.object(at, raw, ['x', 'expected'], ['dy']);
    check.numbers(`${at}.x`, step.x, info.size);
    if (check.presence(`${at}.dy`, step.dy, has('backward'), 'backward is listed exactly when dy is given')) check.numbers(`${at}.dy`, step.dy, info.size);
    const expected = check.object(`${at}.expected`, step.expected, operations as string[]);
    if (has('inference')) check.numbers(`${at}.expected.inference.y`, check.object(`${at}.expected.inference`, expected.inference, ['y']).y, info.size);
    if (has('trainForward')) {
      const runningFields = tracked ? ['runningMean', 'runningVar', 'numBatchesTracked'] : [];
      const train = check.object(`${at}.expected.trainForward`, expected.trainForward, ['y', 'batchMean', 'batchVar', 'invStd', ...runningFields]);
      check.numbers(`${at}.expected.trainForward.y`, train.y, info.size);
      check.numbers(`${at}.expected.trainForward.batchMean`, train.batchMean, info.c);
      check.numbers(`${at}.expected.trainForward.batchVar`, train.batchVar, info.c, 'nonNegative');
      check.numbers(`${at}.expected.trainForward.invStd`, train.invStd, info.c, 'positive');
      if (tracked) {
        check.numbers(`${at}.expected.trainForward.runningMean`, train.runningMean, info.c);
        check.numbers(`${at}.expected.trainForward.runningVar`, train.runningVar, info.c, 'nonNegative');
      }
      if (tracked) check.count(`${at}.expected.trainForward.numBatchesTracked`, train.numBatchesTracked);
    }
    if (has('backward')) {
      const grads = check.object(`${at}.expected.backward`, expected.backward, affine ? ['dx', 'dgamma', 'dbeta'] : ['dx']);
      check.numbers(`${at}.expected.backward.dx`, grads.dx, info.size);
      if (affine) {
        check.numbers(`${at}.expected.backward.dgamma`, grads.dgamma, info.c);
        check.numbers(`${at}.expected.backward.dbeta`, grads.dbeta, info.c);
      }
    }
  });
  checkTolerances(check, root.tolerance);
  return root as unknown as GoldenCase;
}
