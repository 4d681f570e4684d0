import { afterAll, beforeAll, describe, it } from 'vitest';
import { closeBackend, OPERATIONS, openBackend, type Backend, type BackendExpectations, type GoldenCase } from '@bnkit/core';
import { missingCapability } from './capabilities.js';
import { describeResult, evaluateCase, isBreaking, type EvaluateOptions } from './conformance.js';
import { checkDisposeContract, disposeContractCase } from './dispose-contract.js';
import { findExpectedFailure } from './expectations.js';
import { describeHardening } from './hardening-vitest.js';
import { loadVectors } from './load-vectors.js';
import { checkProperties, DEFAULT_PROPERTY_RUNS, describePropertyFailure, propertyUnsupported } from './properties.js';
import type { ArrayAllocator } from './run-case.js';

export { describeHardening } from './hardening-vitest.js';

/** Options of `describeConformance`. */
export interface DescribeConformanceOptions {
  /** The cases to register; default the committed vectors. */
  cases?: readonly GoldenCase[];
  /** Whether to register the property-based checks against the reference; default true. */
  properties?: boolean;
  /** Random cases per operation in the property-based checks; default `DEFAULT_PROPERTY_RUNS`. */
  propertyRuns?: number;
  /**
   * Allocates the float32 inputs of every case and property run (see `ArrayAllocator`), or makes
   * the allocator from the backend once it exists (`(backend) => ({ allocate: (n) => backend.allocate(n) })`);
   * default plain Float32Arrays.
   */
  allocator?: ArrayAllocator | ((backend: Backend) => ArrayAllocator);
  /** Whether to register the hardening checks (`describeHardening`); default true. */
  hardening?: boolean;
}

/** What a suite runs on, once its backend exists. */
interface SuiteTarget {
  readonly backend: Backend;
  readonly expectations?: BackendExpectations;
  /** Called in `afterAll`: closes through the registry, or disposes a backend the suite created. */
  readonly close: () => Promise<void>;
  /** Called in `beforeAll`: nothing for a registry backend (the registry initialised it). */
  readonly open: () => Promise<void>;
}

function registerCases(target: SuiteTarget, cases: readonly GoldenCase[], evaluate: EvaluateOptions): void {
  const { backend } = target;
  for (const group of [...new Set(cases.map((golden) => golden.group))]) {
    describe(group, () => {
      for (const golden of cases.filter((candidate) => candidate.group === group)) {
        for (const operation of golden.operations) {
          const title = `${golden.id} ${operation}`;
          const missing = missingCapability(backend, golden, operation);
          if (missing !== undefined) {
            it.skip(`${title} unsupported: ${missing}`, () => {});
            continue;
          }
          const expected = findExpectedFailure(target.expectations, golden.id, operation);
          it(expected ? `${title} (expected failure: ${expected.reason})` : title, async () => {
            const result = await evaluateCase(backend, golden, operation, evaluate);
            if (isBreaking(result)) throw new Error(describeResult(result));
          });
        }
      }
    });
  }
}

function registerProperties(target: SuiteTarget, evaluate: EvaluateOptions, runs: number): void {
  const { backend, expectations } = target;
  describe('properties against the reference', () => {
    for (const operation of OPERATIONS) {
      const unsupported = propertyUnsupported(backend, operation);
      if (unsupported !== undefined) {
        it.skip(`${operation} unsupported: ${unsupported}`, () => {});
        continue;
      }
      it(`${operation} matches the reference on random cases`, async () => {
        const report = await checkProperties(backend, {
          numRuns: runs,
          operations: [operation],
          ...(expectations !== undefined && { expectations }),
          ...(evaluate.allocator !== undefined && { allocator: evaluate.allocator }),
        });
        const failure = report.results.find((result) => result.status === 'failed');
        if (failure) throw new Error(describePropertyFailure(failure));
      });
    }
  });
}

function registerDisposeContract(target: SuiteTarget, cases: readonly GoldenCase[], evaluate: EvaluateOptions): void {
  const { backend } = target;
  const golden = disposeContractCase(backend, cases, evaluate);
  const title = 'after dispose() every operation rejects with BnBackendError naming the backend; after init() it works again';
  if (!golden) {
    it.skip(`${title} unsupported: no case with an operation the backend declares without an expected failure`, () => {});
    return;
  }
  it(`${title} (on ${golden.id})`, async () => {
    const problems = await checkDisposeContract(backend, golden, evaluate);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });
}

async function resolveTarget(name: string, source: Backend | (() => Backend | Promise<Backend>) | undefined, expectations: BackendExpectations | undefined): Promise<SuiteTarget | string> {
  if (source === undefined) {
    const opened = await openBackend(name);
    if (opened.status !== 'ready') return opened.reason;
    return { backend: opened.backend, expectations: opened.expectations, open: async () => {}, close: () => closeBackend(name) };
  }
  const backend = typeof source === 'function' ? await source() : source;
  return { backend, ...(expectations !== undefined && { expectations }), open: () => backend.init(), close: () => backend.dispose() };
}

/**
 * Registers the conformance suite of a backend with vitest, in a suite named `conformance of <name>`.
 *
 * Give a registered backend's name alone (`describeConformance('cpu')`): it is opened with core's
 * `openBackend` while tests are collected (to read its capabilities), its expectations come from
 * its descriptor, and `closeBackend` closes it after the suite; an engine that is unavailable
 * here is one failing test with the reason. Or give a Backend (or a function creating one) and
 * its expectations, for a backend no registry holds: the suite then initialises it in
 * `beforeAll` and disposes it in `afterAll`.
 *
 * Registers, grouped by the cases' groups, one test per case and operation, judged by
 * `evaluateCase` exactly as `runConformance` judges it: a test fails on a failure (with the
 * worst element and its error ratio) and on an unexpected pass of a declared expected failure
 * (titled `(expected failure: <reason>)`); a case needing what the backend does not declare is
 * `it.skip` titled `unsupported: <what>`, reported as skipped, never as passed. With
 * `properties` (the default), one fast-check property per operation against the float64
 * reference. With `hardening` (the default), the hardening checks (`describeHardening`): typed
 * errors for bad requests, finite outputs on extreme inputs, out/in aliasing. Last, the dispose
 * contract (`checkDisposeContract`).
 */
export function describeConformance(name: string, options?: DescribeConformanceOptions): void;
export function describeConformance(
  name: string,
  backend: Backend | (() => Backend | Promise<Backend>),
  expectations?: BackendExpectations,
  options?: DescribeConformanceOptions,
): void;
export function describeConformance(
  name: string,
  second?: DescribeConformanceOptions | Backend | (() => Backend | Promise<Backend>),
  expectations?: BackendExpectations,
  fourth?: DescribeConformanceOptions,
): void {
  const isSource = typeof second === 'function' || (typeof second === 'object' && second !== null && 'capabilities' in second);
  const source = isSource ? (second as Backend | (() => Backend | Promise<Backend>)) : undefined;
  const options = (isSource ? fourth : (second as DescribeConformanceOptions | undefined)) ?? {};
  describe(`conformance of ${name}`, async () => {
    const target = await resolveTarget(name, source, expectations);
    if (typeof target === 'string') {
      it(`${name} opens`, () => {
        throw new Error(`${name} is unavailable: ${target}`);
      });
      return;
    }
    const cases = options.cases ?? loadVectors();
    const allocator = typeof options.allocator === 'function' ? options.allocator(target.backend) : options.allocator;
    const evaluate: EvaluateOptions = {
      ...(target.expectations !== undefined && { expectations: target.expectations }),
      ...(allocator !== undefined && { allocator }),
    };
    beforeAll(() => target.open());
    afterAll(() => target.close());
    registerCases(target, cases, evaluate);
    if (options.properties ?? true) registerProperties(target, evaluate, options.propertyRuns ?? DEFAULT_PROPERTY_RUNS);
    if (options.hardening ?? true) describeHardening(target.backend, target.expectations);
    describe('dispose contract', () => registerDisposeContract(target, cases, evaluate));
  });
}
