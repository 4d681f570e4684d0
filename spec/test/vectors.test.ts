import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BnValueError,
  CONVENTION_NAMES,
  GOLDEN_CASE_SCHEMA,
  LAYOUTS,
  OPERATIONS,
  readGoldenCase,
  validateGoldenCase,
  describeShape,
  forEachInChannel,
  numericBnGradients,
  numericGradient,
  referenceTrainForward,
  type GoldenCase,
  type GradcheckProblem,
  type Gradients,
} from '@bnkit/core';
import { caseFilePath, createPrng, listVectorFiles, loadVectors, renderVectors, serializeCase, shortestFloat32, VECTORS_DIR, writeVectors } from '../src/index.js';

const vectors = loadVectors();
const byId = (id: string): GoldenCase => {
  const found = vectors.find((golden) => golden.id === id);
  if (!found) throw new Error(`no vector ${id}`);
  return found;
};
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const accepts = (value: unknown): boolean => {
  try {
    validateGoldenCase(value, 'mutant.json');
    return true;
  } catch {
    return false;
  }
};

describe('the committed vectors', () => {
  it('each validate against the reader (loadVectors validates them; this says so on its own)', () => {
    for (const golden of vectors) expect(accepts(clone(golden)), golden.id).toBe(true);
  });

  it('each sit at the path of their id', () => {
    expect(listVectorFiles(VECTORS_DIR)).toEqual(vectors.map((golden) => caseFilePath(golden.id)).sort());
  });

  it('are exactly what the generator writes, byte for byte', () => {
    const rendered = renderVectors();
    expect([...rendered.keys()].sort()).toEqual(listVectorFiles(VECTORS_DIR));
    for (const [path, text] of rendered) expect(readFileSync(join(VECTORS_DIR, path), 'utf8') === text, path).toBe(true);
  });

  it('stay a few MB in total', () => {
    const total = listVectorFiles(VECTORS_DIR).reduce((sum, path) => sum + statSync(join(VECTORS_DIR, path)).size, 0);
    expect(total).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('the writer and the serializer', () => {
  it('write exactly the catalog into a directory, replacing stale files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bnkit-vectors-'));
    try {
      mkdirSync(join(dir, 'old'));
      writeFileSync(join(dir, 'old', 'case.json'), '{}');
      const written = writeVectors(dir);
      expect(listVectorFiles(dir)).toEqual([...written].sort());
      expect(readFileSync(join(dir, 'nc/hand/four-values.json'), 'utf8')).toBe(readFileSync(join(VECTORS_DIR, 'nc/hand/four-values.json'), 'utf8'));
      expect(() => statSync(join(dir, 'old'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('write float32 inputs in a short form that reads back to the same float32', () => {
    const rng = createPrng(1);
    for (let i = 0; i < 2000; i++) {
      const value = Math.fround((rng.normal() * 10) ** 3);
      const short = shortestFloat32(value);
      expect(Math.fround(short)).toBe(value);
      expect(String(short).replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
    expect(shortestFloat32(0.1)).toBe(0.1);
  });

  it('serialize a case to JSON that parses back to the same case', () => {
    for (const golden of vectors.slice(0, 10)) expect(JSON.parse(serializeCase(golden))).toEqual(golden);
  });
});

describe('the reader (JSON Schema through ajv, then the cross-field rules)', () => {
  const samples = [byId('nc/hand/four-values'), byId('nlc/untracked/affine-off'), byId('nchw/momentum-null/from-0')];
  const objectsOf = (golden: GoldenCase): [string, Record<string, unknown>][] => {
    const root = golden as unknown as Record<string, unknown>;
    const step = golden.steps[0] as unknown as Record<string, unknown>;
    const expected = golden.steps[0]?.expected as unknown as Record<string, Record<string, unknown>>;
    return [
      ['case', root],
      ['options', golden.options as unknown as Record<string, unknown>],
      ['params', golden.params as unknown as Record<string, unknown>],
      ['steps[0]', step],
      ['tolerance', golden.tolerance as unknown as Record<string, unknown>],
      ['tolerance.dx', golden.tolerance.dx as unknown as Record<string, unknown>],
      ...Object.entries(expected).map(([op, value]): [string, Record<string, unknown>] => [`expected.${op}`, value]),
    ];
  };

  it('refuses a case without any one of its fields, except the optional numBatchesTracked', () => {
    for (const sample of samples) {
      for (const [where, object] of objectsOf(sample)) {
        for (const key of Object.keys(object)) {
          const mutant = clone(sample);
          const target = objectsOf(mutant).find(([name]) => name === where)?.[1] as Record<string, unknown>;
          delete target[key];
          expect(accepts(mutant), `${sample.id}: without ${where}.${key}`).toBe(where === 'params' && key === 'numBatchesTracked');
        }
      }
    }
  });

  it('refuses an unknown field in every object, naming it', () => {
    for (const sample of samples) {
      for (const [where] of objectsOf(sample)) {
        const mutant = clone(sample);
        const target = objectsOf(mutant).find(([name]) => name === where)?.[1] as Record<string, unknown>;
        target.surplus = 1;
        expect(() => validateGoldenCase(mutant, 'mutant.json'), `${sample.id}: surplus field in ${where}`).toThrow(/mutant\.json: .*surplus: expected no such field/);
      }
    }
  });

  const mutations: [string, (golden: Record<string, any>) => void][] = [
    ['specVersion of another major', (g) => (g.specVersion = '2.0.0')],
    ['specVersion not semver', (g) => (g.specVersion = 'v1')],
    ['id with capitals and spaces', (g) => (g.id = 'NC/Four Values')],
    ['id with an empty segment', (g) => (g.id = 'nc//four')],
    ['group with a slash', (g) => (g.group = 'a/b')],
    ['description a number', (g) => (g.description = 3)],
    ['unknown operation', (g) => (g.operations = ['forward'])],
    ['no operation', (g) => (g.operations = [])],
    ['repeated operation', (g) => (g.operations = ['inference', 'inference'])],
    ['unknown layout', (g) => (g.layout = 'NCWH')],
    ['zero dim', (g) => (g.shape = [0, 1])],
    ['fractional dim', (g) => (g.shape = [4.5, 1])],
    ['unknown convention', (g) => (g.options.convention = 'caffe')],
    ['negative eps', (g) => (g.options.eps = -1)],
    ['momentum above 1', (g) => (g.options.momentum = 1.5)],
    ['momentum a string', (g) => (g.options.momentum = '0.1')],
    ['cumulative average under keras', (g) => ((g.options.convention = 'keras'), (g.options.momentum = null))],
    ['affine a string', (g) => (g.options.affine = 'yes')],
    ['negative running variance', (g) => (g.params.runningVar = [-1])],
    ['fractional numBatchesTracked', (g) => (g.params.numBatchesTracked = 0.5)],
    ['gamma without affine', (g) => (g.options.affine = false)],
    ['running statistics without tracking', (g) => (g.options.trackRunningStats = false)],
    ['no steps', (g) => (g.steps = [])],
    ['x a string', (g) => (g.steps[0].x = 'abc')],
    ['x holding a string', (g) => (g.steps[0].x[0] = '1')],
    ['negative batch variance', (g) => (g.steps[0].expected.trainForward.batchVar = [-1])],
    ['zero invStd', (g) => (g.steps[0].expected.trainForward.invStd = [0])],
    ['fractional expected numBatchesTracked', (g) => (g.steps[0].expected.trainForward.numBatchesTracked = 1.5)],
    ['negative tolerance', (g) => (g.tolerance.y.abs = -1)],
    ['tolerance a string', (g) => (g.tolerance.stats.rel = '1e-5')],
    ['no expected output', (g) => (g.steps[0].expected = {})],
    // What JSON Schema cannot say: the cross-field rules.
    ['a rank the layout does not have', (g) => (g.shape = [4, 1, 1])],
    ['x of the wrong length', (g) => g.steps[0].x.push(5)],
    ['gamma of the wrong length', (g) => g.params.gamma.push(1)],
    ['an expected y of the wrong length', (g) => g.steps[0].expected.inference.y.pop()],
    ['a batch variance of the wrong length', (g) => g.steps[0].expected.trainForward.batchVar.push(1)],
    ['backward without dy', (g) => delete g.steps[0].dy],
    ['an expected output of an operation not listed', (g) => (g.operations = ['inference', 'trainForward'])],
    ['backward without trainForward', (g) => (g.operations = ['inference', 'backward'])],
    ['two steps without trainForward', (g) => ((g.operations = ['inference']), delete g.steps[0].dy, (g.steps[0].expected = { inference: g.steps[0].expected.inference }), g.steps.push(g.steps[0]))],
  ];

  it.each(mutations)('refuses a case with %s, with a BnValueError naming the file', (_, mutate) => {
    const mutant = clone(byId('nc/hand/four-values')) as unknown as Record<string, any>;
    mutate(mutant);
    expect(() => validateGoldenCase(mutant, 'mutant.json')).toThrow(BnValueError);
    expect(() => validateGoldenCase(mutant, 'mutant.json')).toThrow(/^mutant\.json: /);
  });

  it('names the field of the first problem', () => {
    const mutant = clone(byId('nc/hand/four-values')) as unknown as Record<string, any>;
    mutant.steps[0].x[2] = 'three';
    expect(() => validateGoldenCase(mutant, 'm.json')).toThrow(/^m\.json: steps\[0\]\.x\[2\]: expected must be number, got "three"$/);
    const short = clone(byId('nc/hand/four-values')) as unknown as Record<string, any>;
    short.params.gamma = [1, 2];
    expect(() => validateGoldenCase(short, 'm.json')).toThrow(/^m\.json: params\.gamma: expected 1 values, got 2 values$/);
  });

  it('takes unknown fields from a newer minor version, which may add optional ones', () => {
    const newer = { ...clone(byId('nc/hand/four-values')), specVersion: '1.9.0', provenance: 'a field of 1.9' };
    expect(() => validateGoldenCase(newer, 'newer.json')).not.toThrow();
    expect(() => validateGoldenCase({ ...newer, specVersion: '1.0.0' }, 'older.json')).toThrow(/older\.json: provenance/);
    expect(() => validateGoldenCase({ ...newer, steps: 'none' }, 'newer.json')).toThrow(/newer\.json: steps/);
  });

  it('reads JSON text and names the source of text that is not JSON', () => {
    const text = serializeCase(byId('nc/hand/four-values'));
    expect(readGoldenCase(text, 'a.json')).toEqual(byId('nc/hand/four-values'));
    expect(() => readGoldenCase('{ "specVersion": ', 'b.json')).toThrow(/^b\.json: expected a JSON golden case/);
  });
});

/*
 * The TypeScript types of the format (packages/core/src/golden/format.ts) and its JSON Schema
 * describe the same objects. Each table below lists every field of one type with whether it is
 * required; `satisfies Record<keyof T, boolean>` makes the compiler refuse a table that misses or
 * invents a field of the type, and the test compares each table with the schema.
 */
type Fields<T> = Record<keyof T, boolean>;
type Expected = Required<GoldenCase['steps'][number]['expected']>;
const FIELD_TABLES: [string, Record<string, boolean>][] = [
  ['', { specVersion: true, id: true, group: true, description: true, operations: true, layout: true, shape: true, options: true, params: true, steps: true, tolerance: true } satisfies Fields<GoldenCase>],
  ['/$defs/options', { convention: true, eps: true, momentum: true, affine: true, trackRunningStats: true, allowSingleValuePerChannel: true } satisfies Fields<GoldenCase['options']>],
  ['/$defs/params', { gamma: false, beta: false, runningMean: false, runningVar: false, numBatchesTracked: false } satisfies Fields<GoldenCase['params']>],
  ['/$defs/step', { x: true, dy: false, expected: true } satisfies Fields<GoldenCase['steps'][number]>],
  ['/$defs/expected', { inference: false, trainForward: false, backward: false } satisfies Fields<Expected>],
  ['/$defs/expected/properties/inference', { y: true } satisfies Fields<Expected['inference']>],
  [
    '/$defs/expected/properties/trainForward',
    { y: true, batchMean: true, batchVar: true, invStd: true, runningMean: false, runningVar: false, numBatchesTracked: false } satisfies Fields<Expected['trainForward']>,
  ],
  ['/$defs/expected/properties/backward', { dx: true, dgamma: false, dbeta: false } satisfies Fields<Expected['backward']>],
  ['/$defs/tolerances', { y: true, stats: true, dx: true, dparams: true } satisfies Fields<GoldenCase['tolerance']>],
  ['/$defs/tolerance', { abs: true, rel: true } satisfies Fields<GoldenCase['tolerance']['y']>],
];

describe('the TypeScript types and the JSON Schema', () => {
  const at = (pointer: string): Record<string, unknown> =>
    pointer
      .split('/')
      .slice(1)
      .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, GOLDEN_CASE_SCHEMA as Record<string, unknown>);

  it.each(FIELD_TABLES)('agree on the fields of %s and which are required', (pointer, fields) => {
    const node = at(pointer);
    expect(Object.keys(node.properties as object).sort()).toEqual(Object.keys(fields).sort());
    expect([...((node.required as string[] | undefined) ?? [])].sort()).toEqual(Object.keys(fields).filter((key) => fields[key]).sort());
    expect(node.additionalProperties).toBe(false);
  });
});

describe('coverage of the catalog', () => {
  const ids = vectors.map((golden) => golden.id);
  const some = (predicate: (golden: GoldenCase) => boolean): boolean => vectors.some(predicate);
  const batchVars = (golden: GoldenCase): number[] => golden.steps.flatMap((step) => step.expected.trainForward?.batchVar ?? []);
  const batchMeans = (golden: GoldenCase): number[] => golden.steps.flatMap((step) => step.expected.trainForward?.batchMean ?? []);

  it('has every layout, convention and operation', () => {
    for (const layout of LAYOUTS) expect(some((g) => g.layout === layout), layout).toBe(true);
    for (const convention of CONVENTION_NAMES) expect(some((g) => g.options.convention === convention), convention).toBe(true);
    for (const operation of OPERATIONS) {
      for (const layout of LAYOUTS) expect(some((g) => g.layout === layout && g.operations.includes(operation)), `${layout} ${operation}`).toBe(true);
    }
  });

  it('has eps 1e-5, 1e-3 and 0.1, momentum 0.1, 0.5, 0.99 and the cumulative average', () => {
    for (const eps of [1e-5, 1e-3, 0.1]) expect(some((g) => g.options.eps === eps), `eps ${eps}`).toBe(true);
    for (const momentum of [0.1, 0.5, 0.99]) expect(some((g) => g.options.momentum === momentum), `momentum ${momentum}`).toBe(true);
    expect(some((g) => g.options.momentum === null && g.options.convention === 'pytorch' && (g.params.numBatchesTracked ?? 0) > 0)).toBe(true);
    expect(some((g) => g.options.momentum === null && g.params.numBatchesTracked === 0)).toBe(true);
  });

  it('has affine off, untracked running statistics and both together', () => {
    expect(some((g) => !g.options.affine)).toBe(true);
    expect(some((g) => !g.options.trackRunningStats)).toBe(true);
    expect(some((g) => !g.options.affine && !g.options.trackRunningStats)).toBe(true);
  });

  it('has a batch of 1 with spatial dims, N = 2 for NC, C = 1 and C = 512, and dims of 7 and 13', () => {
    expect(some((g) => g.shape[0] === 1 && describeShape(g.shape, g.layout).spatial > 1)).toBe(true);
    expect(some((g) => g.layout === 'NC' && g.shape[0] === 2)).toBe(true);
    for (const c of [1, 512]) expect(some((g) => describeShape(g.shape, g.layout).c === c), `C = ${c}`).toBe(true);
    for (const dim of [7, 13]) expect(some((g) => g.shape.slice(1).includes(dim)), `dim ${dim}`).toBe(true);
  });

  it('has offset 1e4 with scale 0.1, scale 1e-4 and a constant channel, in their data', () => {
    expect(some((g) => batchMeans(g).every((m) => Math.abs(m - 1e4) < 1) && batchVars(g).every((v) => v > 1e-4 && v < 0.1))).toBe(true);
    expect(some((g) => batchVars(g).every((v) => v > 0 && v < 1e-7))).toBe(true);
    expect(some((g) => batchVars(g).includes(0))).toBe(true);
  });

  it('has cases of 3 or more chained steps under each convention', () => {
    for (const convention of CONVENTION_NAMES) expect(some((g) => g.options.convention === convention && g.steps.length >= 3), convention).toBe(true);
  });

  it('sorts cases into the report groups', () => {
    expect(new Set(vectors.map((g) => g.group))).toEqual(new Set(['layouts', 'conventions', 'momentum', 'eps', 'numerics', 'edge', 'sizes', 'running-stats', 'hand', 'float32-range']));
    expect(ids).toContain('nchw/eps-1e-5/offset-1e4');
  });
});

/** dgamma and dbeta of L = sum(dy * y) by central differences over the float64 reference forward. */
function numericParamGradients(problem: GradcheckProblem): { dgamma: Float64Array; dbeta: Float64Array } {
  const options = { ...problem.options, trackRunningStats: false };
  const gamma = Float64Array.from(problem.gamma ?? []);
  const beta = Float64Array.from(problem.beta ?? []);
  const loss = (g: Float64Array, b: Float64Array): number => {
    const { y } = referenceTrainForward({ ...problem, gamma: g, beta: b, options });
    return y.reduce((total, v, i) => total + (problem.dy[i] as number) * v, 0);
  };
  return { dgamma: numericGradient((g) => loss(g, beta), gamma), dbeta: numericGradient((b) => loss(gamma, b), beta) };
}

/**
 * dx, dgamma and dbeta by central differences. For x, a difference step of 1e-3 of the smallest
 * standard deviation (h = step * max(1, |x|)), so that an offset of 1e4 does not swamp it; gamma
 * and beta take the default step.
 */
function numericGradients(problem: GradcheckProblem, invStd: readonly number[]): Gradients {
  const sigma = Math.min(...invStd.map((v) => 1 / v));
  const largest = Math.max(1, ...Array.from(problem.x, Math.abs));
  return { dx: numericBnGradients(problem, (1e-3 * sigma) / largest).dx, ...(problem.gamma && numericParamGradients(problem)) };
}

/**
 * The same for a large case, channel by channel: each channel's values form an NC problem of
 * their own (BN never mixes channels), which costs m^2 per channel instead of (C m)^2.
 */
function numericGradientsByChannel(problem: GradcheckProblem, invStd: readonly number[]): Gradients {
  const info = describeShape(problem.shape, problem.layout);
  const dx = new Float64Array(info.size);
  const dgamma = new Float64Array(info.c);
  const dbeta = new Float64Array(info.c);
  for (let c = 0; c < info.c; c++) {
    const offsets: number[] = [];
    forEachInChannel(info, c, (i) => offsets.push(i));
    const channel: GradcheckProblem = {
      x: Float32Array.from(offsets, (i) => problem.x[i] as number),
      dy: Float32Array.from(offsets, (i) => problem.dy[i] as number),
      shape: [offsets.length, 1],
      layout: 'NC',
      gamma: problem.gamma && Float32Array.of(problem.gamma[c] as number),
      beta: problem.beta && Float32Array.of(problem.beta[c] as number),
      options: problem.options,
    };
    const grads = numericGradients(channel, [invStd[c] as number]);
    offsets.forEach((i, k) => (dx[i] = grads.dx[k] as number));
    dgamma[c] = grads.dgamma?.[0] as number;
    dbeta[c] = grads.dbeta?.[0] as number;
  }
  return problem.gamma ? { dx, dgamma, dbeta } : { dx };
}

describe('the expected gradients agree with finite differences of the forward', () => {
  // With invStd = 1e25, no difference step float64 can resolve at x = 2 follows the slope; that case is worked by hand below.
  const withBackward = vectors.filter((golden) => golden.operations.includes('backward') && golden.id !== 'nc/eps-1e-50/zero-variance');

  it.each(withBackward.map((golden) => [golden.id, golden] as const))('%s', (_, golden) => {
    const gamma = golden.params.gamma && Float32Array.from(golden.params.gamma);
    const beta = golden.params.beta && Float32Array.from(golden.params.beta);
    for (const [s, step] of golden.steps.entries()) {
      const x = Float32Array.from(step.x);
      const expected = step.expected.backward;
      const train = step.expected.trainForward;
      if (!expected || !train || !step.dy) throw new Error(`${golden.id} step ${s + 1} lacks backward data`);
      const problem = { x, dy: Float32Array.from(step.dy), shape: golden.shape, layout: golden.layout, gamma, beta, options: golden.options };
      const numeric = describeShape(golden.shape, golden.layout).size <= 1000 ? numericGradients(problem, train.invStd) : numericGradientsByChannel(problem, train.invStd);
      const compare = (name: string, actual: readonly number[] | undefined, reference: Float64Array | undefined): void => {
        if (!actual || !reference) {
          expect(actual, `${name} present`).toEqual(reference);
          return;
        }
        const scale = Math.max(...reference.map(Math.abs), 1e-300);
        actual.forEach((value, i) => {
          const error = Math.abs(value - (reference[i] as number));
          expect(error, `${golden.id} step ${s + 1} ${name}[${i}]`).toBeLessThanOrEqual(1e-5 * scale + 1e-6 * Math.abs(reference[i] as number));
        });
      };
      compare('dx', expected.dx, numeric.dx);
      compare('dgamma', expected.dgamma, numeric.dgamma);
      compare('dbeta', expected.dbeta, numeric.dbeta);
    }
  });
});

/** Checks every element of `actual` against `expected`, to 1e-12 relative (both are float64 arithmetic). */
function expectClose(actual: readonly number[] | undefined, expected: readonly number[], what: string): void {
  expect(actual, what).toHaveLength(expected.length);
  expected.forEach((value, i) => expect(Math.abs((actual?.[i] as number) - value), `${what}[${i}]`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(value))));
}

describe('the float32-range cases sit where spec/README.md puts them', () => {
  const FLT_MAX = 3.4028234663852886e38;
  const FLT_MIN = 2 ** -126;
  const deviations = (golden: GoldenCase): number[] => {
    const info = describeShape(golden.shape, golden.layout);
    return golden.steps.flatMap((step) => {
      const mean = step.expected.trainForward?.batchMean ?? [];
      const out: number[] = [];
      for (let c = 0; c < info.c; c++) forEachInChannel(info, c, (i) => out.push(Math.abs((step.x[i] as number) - (mean[c] as number))));
      return out;
    });
  };
  const variances = (golden: GoldenCase): number[] => golden.steps.flatMap((step) => [...(step.expected.trainForward?.batchVar ?? []), ...(step.expected.trainForward?.runningVar ?? [])]);
  const everyInput = (golden: GoldenCase): number[] => [...golden.steps.flatMap((step) => [...step.x, ...(step.dy ?? [])]), ...Object.values(golden.params).flat().filter((v): v is number => typeof v === 'number')];

  it('hold inputs that are finite as float32 values', () => {
    for (const golden of vectors.filter((candidate) => candidate.group === 'float32-range')) {
      for (const value of everyInput(golden)) expect(Number.isFinite(Math.fround(value)), `${golden.id} ${value}`).toBe(true);
    }
  });

  it('largest: every |x - mean| below 2^64 (so every square and the variance are finite float32 values) and above 0.8 of it', () => {
    const golden = byId('nchw/scale-3.2e18/largest-float32');
    const largest = Math.max(...deviations(golden));
    expect(largest).toBeLessThan(2 ** 64);
    expect(largest).toBeGreaterThan(0.8 * 2 ** 64);
    expect(Math.max(...variances(golden))).toBeLessThan(FLT_MAX);
  });

  it('smallest: every variance a normal float32, the smallest within a factor 2 of 2^-126', () => {
    const golden = byId('nhwc/scale-2.5e-19/smallest-float32');
    expect(golden.options.eps).toBe(0);
    const smallest = Math.min(...variances(golden));
    expect(smallest).toBeGreaterThanOrEqual(FLT_MIN);
    expect(smallest).toBeLessThan(2 * FLT_MIN);
  });

  it('1e30: values of magnitude 1e30, whose variance has no float32', () => {
    const golden = byId('nchw/scale-1e30/untracked');
    expect(Math.max(...golden.steps[0]!.x.map(Math.abs))).toBeGreaterThan(1e30);
    expect(Math.min(...variances(golden))).toBeGreaterThan(FLT_MAX);
  });

  it('eps 1e-50: an eps that rounds to 0 in float32, on a channel of zero variance', () => {
    const golden = byId('nc/eps-1e-50/zero-variance');
    expect(Math.fround(golden.options.eps)).toBe(0);
    expect(variances(golden).every((v) => v === 0)).toBe(true);
  });
});

describe('cases checked against arithmetic by hand', () => {
  it('nc/eps-1e-50/zero-variance: y = beta exactly, dx = gamma invStd / m (m dy - sum dy)', () => {
    const golden = byId('nc/eps-1e-50/zero-variance');
    const invStd = 1 / Math.sqrt(1e-50);
    for (const [s, step] of golden.steps.entries()) {
      // Every x is 2, the running mean is 2 and the running variance 0: xhat = 0 in training and inference.
      expect(step.expected.inference?.y, `step ${s + 1} inference`).toEqual([0.5, 0.5, 0.5, 0.5]);
      expect(step.expected.trainForward?.y, `step ${s + 1} train`).toEqual([0.5, 0.5, 0.5, 0.5]);
      expectClose(step.expected.trainForward?.invStd, [invStd], `step ${s + 1} invStd`);
      expect(step.expected.trainForward?.runningVar).toEqual([0]);
      const dy = step.dy ?? [];
      const sum = dy.reduce((a, b) => a + b, 0);
      expectClose(step.expected.backward?.dbeta, [sum], `step ${s + 1} dbeta`);
      expect(step.expected.backward?.dgamma).toEqual([0]);
      expectClose(step.expected.backward?.dx, dy.map((g) => ((1.5 * invStd) / 4) * (4 * g - sum)), `step ${s + 1} dx`);
    }
  });

  it('nc/hand/four-values: x = [1, 2, 3, 4], pytorch defaults', () => {
    const golden = byId('nc/hand/four-values');
    const step = golden.steps[0];
    // mean = 10/4 = 2.5; deviations -1.5, -0.5, 0.5, 1.5; biased var = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25.
    const invStd = 1 / Math.sqrt(1.25 + 1e-5);
    const xhat = [-1.5, -0.5, 0.5, 1.5].map((d) => d * invStd);
    expectClose(step?.expected.trainForward?.batchMean, [2.5], 'batchMean');
    expectClose(step?.expected.trainForward?.batchVar, [1.25], 'batchVar');
    expectClose(step?.expected.trainForward?.invStd, [invStd], 'invStd');
    expectClose(step?.expected.trainForward?.y, xhat, 'y (gamma 1, beta 0)');
    // Running mean 0.9 * 0 + 0.1 * 2.5; running var 0.9 * 1 + 0.1 * 1.25 * 4/3 (unbiased).
    expectClose(step?.expected.trainForward?.runningMean, [0.25], 'runningMean');
    expectClose(step?.expected.trainForward?.runningVar, [0.9 + (0.1 * 1.25 * 4) / 3], 'runningVar');
    expect(step?.expected.trainForward?.numBatchesTracked).toBe(1);
    // Inference with running mean 0 and var 1: y = x / sqrt(1 + 1e-5).
    expectClose(step?.expected.inference?.y, [1, 2, 3, 4].map((x) => x / Math.sqrt(1 + 1e-5)), 'inference y');
    // dy = [1, 0, 0, 0]: dbeta = 1, dgamma = xhat[0], dx = invStd/4 * (4 dy - 1 - xhat * xhat[0]).
    const x0 = xhat[0] as number;
    expectClose(step?.expected.backward?.dbeta, [1], 'dbeta');
    expectClose(step?.expected.backward?.dgamma, [x0], 'dgamma');
    expectClose(step?.expected.backward?.dx, [1, 0, 0, 0].map((dy, i) => (invStd / 4) * (4 * dy - 1 - (xhat[i] as number) * x0)), 'dx');
  });

  it("nchw/hand/onnx-example: the ONNX BatchNormalization operator's example", () => {
    // Source: the ONNX operator tests (onnx/backend/test/case/node/batchnorm.py, test_batchnorm_example):
    // x of shape (1, 2, 1, 3) = [[[[-1, 0, 1]], [[2, 3, 4]]]], s = [1, 1.5], bias = [0, 1], mean = [0, 3],
    // var = [1, 1.5], epsilon 1e-5, y = s * (x - mean) / sqrt(var + epsilon) + bias; recomputed here by hand.
    const golden = byId('nchw/hand/onnx-example');
    const step = golden.steps[0];
    const a = 1 / Math.sqrt(1 + 1e-5);
    const b = 1.5 / Math.sqrt(1.5 + 1e-5);
    expectClose(step?.expected.inference?.y, [-a, 0, a, 1 - b, 1, 1 + b], 'inference y');
    // Training: both channels hold three consecutive integers: means 0 and 3, biased var 2/3.
    const invStd = 1 / Math.sqrt(2 / 3 + 1e-5);
    expectClose(step?.expected.trainForward?.batchMean, [0, 3], 'batchMean');
    expectClose(step?.expected.trainForward?.batchVar, [2 / 3, 2 / 3], 'batchVar');
    expectClose(step?.expected.trainForward?.y, [-invStd, 0, invStd, 1 - 1.5 * invStd, 1, 1 + 1.5 * invStd], 'train y');
    // ONNX momentum 0.9 weighs the old value; the running variance takes the biased batch variance.
    expectClose(step?.expected.trainForward?.runningMean, [0, 3], 'runningMean');
    expectClose(step?.expected.trainForward?.runningVar, [0.9 * 1 + 0.1 * (2 / 3), 0.9 * 1.5 + 0.1 * (2 / 3)], 'runningVar');
    // dy = [1, 1, 1] on channel 0: the sum of dy is 3 and dy . xhat = 0, so dx = 0; channel 1: dy = [0, 0, 1].
    expectClose(step?.expected.backward?.dbeta, [3, 1], 'dbeta');
    expectClose(step?.expected.backward?.dgamma, [0, invStd], 'dgamma');
    const k = (1.5 * invStd) / 3;
    const xhat1 = [-invStd, 0, invStd];
    expectClose(step?.expected.backward?.dx, [0, 0, 0, ...[0, 0, 1].map((dy, i) => k * (3 * dy - 1 - (xhat1[i] as number) * invStd))], 'dx');
  });

  it('nc/hand/two-channels-keras: channel 0 holds [1, 3], channel 1 holds [10, 30]', () => {
    const golden = byId('nc/hand/two-channels-keras');
    const step = golden.steps[0];
    // Means 2 and 20; biased variances 1 and 100; keras eps 1e-3; gamma [2, 0.5], beta [1, -1].
    const s0 = 1 / Math.sqrt(1 + 1e-3);
    const s1 = 1 / Math.sqrt(100 + 1e-3);
    expectClose(step?.expected.trainForward?.batchMean, [2, 20], 'batchMean');
    expectClose(step?.expected.trainForward?.batchVar, [1, 100], 'batchVar');
    // NC stores sample by sample: [x(0,0), x(0,1), x(1,0), x(1,1)].
    expectClose(step?.expected.trainForward?.y, [1 - 2 * s0, -1 - 0.5 * 10 * s1, 1 + 2 * s0, -1 + 0.5 * 10 * s1], 'train y');
    // Keras momentum 0.99 weighs the old value: 0.99 * [0, 10] + 0.01 * [2, 20]; 0.99 * [1, 4] + 0.01 * [1, 100].
    expectClose(step?.expected.trainForward?.runningMean, [0.02, 10.1], 'runningMean');
    expectClose(step?.expected.trainForward?.runningVar, [1, 0.99 * 4 + 1], 'runningVar');
    // Inference with running means [0, 10] and vars [1, 4].
    const r0 = 2 / Math.sqrt(1 + 1e-3);
    const r1 = 0.5 / Math.sqrt(4 + 1e-3);
    expectClose(step?.expected.inference?.y, [1 + r0, -1, 1 + 3 * r0, -1 + 20 * r1], 'inference y');
    // dy = [1, 2, -1, 0]: channel 0 gets [1, -1], channel 1 gets [2, 0]; m = 2.
    // Channel 0: xhat = [-s0, s0], dbeta 0, dgamma -2 s0, dx = 2 s0/2 (2 dy - 0 - xhat (-2 s0)).
    // Channel 1: xhat = [-10 s1, 10 s1], dbeta 2, dgamma -20 s1, dx = 0.5 s1/2 (2 dy - 2 - xhat (-20 s1)).
    expectClose(step?.expected.backward?.dbeta, [0, 2], 'dbeta');
    expectClose(step?.expected.backward?.dgamma, [-2 * s0, -20 * s1], 'dgamma');
    const dx0 = [1, -1].map((dy, i) => s0 * (2 * dy + [-s0, s0][i]! * 2 * s0));
    const dx1 = [2, 0].map((dy, i) => 0.25 * s1 * (2 * dy - 2 + [-10 * s1, 10 * s1][i]! * 20 * s1));
    expectClose(step?.expected.backward?.dx, [dx0[0]!, dx1[0]!, dx0[1]!, dx1[1]!], 'dx');
  });
});
