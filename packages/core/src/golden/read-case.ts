import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { BnError, BnValueError, describeValue } from '../errors.js';
import { describeShape, type ShapeInfo } from '../layout.js';
import { resolveOptions } from '../options.js';
import { GOLDEN_SPEC_VERSION, type GoldenCase } from './format.js';
import schema from './golden-case.schema.json' with { type: 'json' };

/** The JSON Schema (draft 2020-12) of a golden case: the one description of the format's structure. */
export const GOLDEN_CASE_SCHEMA: Readonly<Record<string, unknown>> = schema;

/** The schema without `additionalProperties: false`, for a newer minor version (which may add optional fields). */
function withoutClosedObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutClosedObjects);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => [key, withoutClosedObjects(value)]),
  );
}

let validators: { strict: ValidateFunction; open: ValidateFunction } | undefined;

/** Compiled once, on first use, so that importing core costs nothing. */
function schemaValidators(): { strict: ValidateFunction; open: ValidateFunction } {
  if (!validators) {
    // The schema's if/then branches require and constrain fields declared elsewhere (in $defs),
    // without restating `type: object`: valid JSON Schema that two of ajv's stylistic checks refuse.
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictTypes: false, strictRequired: false });
    const open = withoutClosedObjects(schema) as Record<string, unknown>;
    validators = { strict: ajv.compile(schema), open: ajv.compile({ ...open, $id: `${String(schema.$id)}:open` }) };
  }
  return validators;
}

/** `/steps/0/x/3` as `steps[0].x[3]`; the root as `case`. */
function fieldPath(pointer: string): string {
  if (pointer === '') return 'case';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part, i) => (/^\d+$/.test(part) ? `${path}[${part}]` : i === 0 ? part : `${path}.${part}`), '');
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  return pointer
    .slice(1)
    .split('/')
    .reduce<unknown>((node, part) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
}

/** A value for an error message: short (type and length for an array, never its elements). */
function brief(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return describeValue(value);
}

function schemaError(source: string, root: unknown, error: ErrorObject): BnValueError {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return new BnValueError(`${source}: ${fieldPath(`${error.instancePath}/${String(params.additionalProperty)}`)}`, 'no such field', 'present');
  }
  if (error.keyword === 'required') {
    return new BnValueError(`${source}: ${fieldPath(`${error.instancePath}/${String(params.missingProperty)}`)}`, 'present', 'missing');
  }
  const expected = error.keyword === 'enum' ? `one of ${(params.allowedValues as unknown[]).map((v) => describeValue(v)).join(', ')}` : (error.message ?? error.keyword);
  return new BnValueError(`${source}: ${fieldPath(error.instancePath)}`, expected, brief(valueAt(root, error.instancePath)));
}

type Check = (ok: boolean, field: string, expected: string, actual: unknown) => void;

function checkLength(check: Check, field: string, values: readonly unknown[] | undefined, length: number): void {
  if (values !== undefined) check(values.length === length, field, `${length} values`, `${values.length} values`);
}

/**
 * What JSON Schema cannot say about a case: the shape against its layout, lengths against the
 * shape (size for x, dy, y and dx; C for parameters and statistics), dy present exactly when
 * backward is listed, an expected output for exactly the listed operations, trainForward listed
 * with backward and with more than one step, and options the reference accepts.
 */
function checkAcrossFields(golden: GoldenCase, source: string): void {
  const check: Check = (ok, field, expected, actual) => {
    if (!ok) throw new BnValueError(`${source}: ${field}`, expected, typeof actual === 'string' ? actual : brief(actual));
  };
  let info: ShapeInfo;
  try {
    info = describeShape(golden.shape, golden.layout);
    resolveOptions(golden.options);
  } catch (error) {
    if (error instanceof BnError) throw new BnValueError(`${source}: ${error.argument}`, error.expected, error.actual);
    throw error;
  }
  const has = (operation: GoldenCase['operations'][number]): boolean => golden.operations.includes(operation);
  check(!has('backward') || has('trainForward'), 'operations', 'trainForward listed with backward (backward takes its saved statistics)', golden.operations.join(', '));
  check(golden.steps.length === 1 || has('trainForward'), 'steps', 'one step unless trainForward is listed (steps chain running statistics)', `${golden.steps.length} steps`);
  for (const key of ['gamma', 'beta', 'runningMean', 'runningVar'] as const) checkLength(check, `params.${key}`, golden.params[key], info.c);
  golden.steps.forEach((step, s) => {
    const at = `steps[${s}]`;
    checkLength(check, `${at}.x`, step.x, info.size);
    check((step.dy !== undefined) === has('backward'), `${at}.dy`, has('backward') ? 'present (backward is listed)' : 'absent (backward is not listed)', step.dy === undefined ? 'missing' : 'present');
    checkLength(check, `${at}.dy`, step.dy, info.size);
    for (const operation of ['inference', 'trainForward', 'backward'] as const) {
      const listed = has(operation);
      check((step.expected[operation] !== undefined) === listed, `${at}.expected.${operation}`, listed ? 'present (the operation is listed)' : 'absent (the operation is not listed)', listed ? 'missing' : 'present');
    }
    const { inference, trainForward, backward } = step.expected;
    checkLength(check, `${at}.expected.inference.y`, inference?.y, info.size);
    checkLength(check, `${at}.expected.trainForward.y`, trainForward?.y, info.size);
    for (const key of ['batchMean', 'batchVar', 'invStd', 'runningMean', 'runningVar'] as const) checkLength(check, `${at}.expected.trainForward.${key}`, trainForward?.[key], info.c);
    checkLength(check, `${at}.expected.backward.dx`, backward?.dx, info.size);
    checkLength(check, `${at}.expected.backward.dgamma`, backward?.dgamma, info.c);
    checkLength(check, `${at}.expected.backward.dbeta`, backward?.dbeta, info.c);
  });
}

/**
 * Checks that `value` (a parsed JSON document) is a golden case and returns it typed: first the
 * spec version (its major must be that of `GOLDEN_SPEC_VERSION`), then the committed JSON Schema
 * (through ajv; a newer minor version may add optional fields, so unknown fields are accepted
 * only there), then the cross-field rules a schema cannot express (see `checkAcrossFields`).
 * @param source Names the document in errors, e.g. its file path.
 * @throws BnValueError whose argument is `<source>: <field>` (`cases/mine.json: steps[0].x`) for the first problem found.
 */
export function validateGoldenCase(value: unknown, source: string): GoldenCase {
  const version = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).specVersion : undefined;
  const [major, minor] = typeof version === 'string' && /^\d+\.\d+\.\d+$/.test(version) ? version.split('.').map(Number) : [];
  const [knownMajor, knownMinor] = GOLDEN_SPEC_VERSION.split('.').map(Number);
  if (major !== knownMajor) throw new BnValueError(`${source}: specVersion`, `major version ${knownMajor} (${GOLDEN_SPEC_VERSION})`, brief(version));
  const validate = (minor as number) > (knownMinor as number) ? schemaValidators().open : schemaValidators().strict;
  if (!validate(value)) {
    const first = validate.errors?.[0];
    throw first ? schemaError(source, value, first) : new BnValueError(source, 'a golden case', 'a document the schema refuses');
  }
  const golden = value as GoldenCase;
  checkAcrossFields(golden, source);
  return golden;
}

/**
 * Parses JSON text and validates it as a golden case (`validateGoldenCase`).
 * @throws BnValueError naming `source` for text that is not JSON, and `<source>: <field>` for an invalid case.
 */
export function readGoldenCase(text: string, source: string): GoldenCase {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BnValueError(source, 'a JSON golden case', error instanceof Error ? error.message : describeValue(error));
  }
  return validateGoldenCase(parsed, source);
}
