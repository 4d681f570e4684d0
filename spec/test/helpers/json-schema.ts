/*
 * A validator for the subset of JSON Schema (draft 2020-12) that spec/schema uses. It refuses any
 * keyword it does not implement, so the schema cannot silently say more than is checked.
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const KEYWORDS = new Set([
  'type', 'enum', 'const', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'required', 'properties',
  'additionalProperties', 'items', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', '$ref', 'allOf',
  'anyOf', 'not', 'if', 'then', 'else',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Validates `value` against `schema`; returns the errors found (empty when valid), each with its JSON path. */
export function validateSchema(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const match = /^#\/\$defs\/(.+)$/.exec(ref);
    const target = match ? (root.$defs as Record<string, Schema> | undefined)?.[match[1] as string] : undefined;
    if (!target) throw new Error(`unsupported or unknown $ref ${ref}`);
    return target;
  };
  const valid = (schema: Schema, item: unknown): boolean => {
    const before = errors.length;
    visit(schema, item, '');
    const ok = errors.length === before;
    errors.length = before;
    return ok;
  };
  const visit = (schema: Schema, item: unknown, path: string): void => {
    for (const key of Object.keys(schema)) {
      if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`unsupported keyword ${key} at ${path || '/'}`);
    }
    const fail = (message: string): void => {
      errors.push(`${path || '/'}: ${message}`);
    };
    if (schema.$ref !== undefined) visit(resolve(schema.$ref as string), item, path);
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((type) => typeMatches(item, type))) return fail(`type ${types.join('|')} expected, got ${typeOf(item)}`);
    }
    if (schema.enum !== undefined && !(schema.enum as unknown[]).includes(item)) fail(`one of ${JSON.stringify(schema.enum)} expected`);
    if (schema.const !== undefined && item !== schema.const) fail(`${JSON.stringify(schema.const)} expected`);
    if (typeof item === 'string' && schema.pattern !== undefined && !new RegExp(schema.pattern as string, 'u').test(item)) fail(`pattern ${schema.pattern as string}`);
    if (typeof item === 'number') {
      if (schema.minimum !== undefined && item < (schema.minimum as number)) fail(`>= ${schema.minimum as number} expected`);
      if (schema.maximum !== undefined && item > (schema.maximum as number)) fail(`<= ${schema.maximum as number} expected`);
      if (schema.exclusiveMinimum !== undefined && item <= (schema.exclusiveMinimum as number)) fail(`> ${schema.exclusiveMinimum as number} expected`);
    }
    if (Array.isArray(item)) {
      if (schema.minItems !== undefined && item.length < (schema.minItems as number)) fail(`at least ${schema.minItems as number} items`);
      if (schema.maxItems !== undefined && item.length > (schema.maxItems as number)) fail(`at most ${schema.maxItems as number} items`);
      if (schema.uniqueItems === true && new Set(item.map((v) => JSON.stringify(v))).size !== item.length) fail('unique items');
      if (schema.items !== undefined) item.forEach((entry, i) => visit(schema.items as Schema, entry, `${path}/${i}`));
    }
    if (typeOf(item) === 'object') {
      const record = item as Record<string, unknown>;
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const key of (schema.required ?? []) as string[]) if (!(key in record)) fail(`required ${key}`);
      if (schema.minProperties !== undefined && Object.keys(record).length < (schema.minProperties as number)) fail(`at least ${schema.minProperties as number} properties`);
      for (const [key, entry] of Object.entries(record)) {
        if (properties[key]) visit(properties[key], entry, `${path}/${key}`);
        else if (schema.additionalProperties === false) fail(`unknown property ${key}`);
      }
    }
    for (const sub of (schema.allOf ?? []) as Schema[]) visit(sub, item, path);
    if (schema.anyOf !== undefined && !(schema.anyOf as Schema[]).some((sub) => valid(sub, item))) fail('no anyOf branch matches');
    if (schema.not !== undefined && valid(schema.not as Schema, item)) fail('matches a forbidden schema');
    if (schema.if !== undefined) {
      const branch = valid(schema.if as Schema, item) ? schema.then : schema.else;
      if (branch !== undefined) visit(branch as Schema, item, path);
    }
  };
  visit(root, value, '');
  return errors;
}
