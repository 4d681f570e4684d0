import { BnValueError, describeValue, type Backend, type CaseTolerances, type GoldenCase, type GoldenStep, type Operation } from '@bnkit/core';
import { compareArrays, emptyComparison, mergeComparison, type Comparison } from './compare.js';

/** The outcome of running one operation of a case on a backend. */
export interface OperationOutcome extends Comparison {
  /** The name and message of an error the backend threw, if it threw. */
  error?: string;
  /** What the backend threw, if it threw. */
  thrown?: unknown;
}

/**
 * How the suite allocates the float32 input arrays it hands a backend (x, dy, gamma, beta and the
 * running statistics), e.g. from a backend's own memory (`cpu.allocate`) so that the vectors run
 * through the path that memory takes. By default, plain `new Float32Array(length)`.
 */
export interface ArrayAllocator {
  /** A Float32Array of exactly `length` elements; the suite fills it. */
  allocate(length: number): Float32Array;
  /** Called once for every allocated array when the step that used it is over; optional. */
  free?(array: Float32Array): void;
}

/** The pass criterion of every check of the suite: no error, and every element within tolerance (ratio at most 1). */
export function outcomePasses(outcome: OperationOutcome): boolean {
  return outcome.error === undefined && outcome.maxErrorRatio <= 1;
}

/** Fills arrays from an allocator and frees them all at the end of a step. */
class StepArrays {
  private readonly taken: Float32Array[] = [];

  constructor(private readonly allocator: ArrayAllocator | undefined) {}

  from(values: readonly number[]): Float32Array;
  from(values: readonly number[] | undefined): Float32Array | undefined;
  from(values: readonly number[] | undefined): Float32Array | undefined {
    if (!values) return undefined;
    if (!this.allocator) return Float32Array.from(values);
    const array = this.allocator.allocate(values.length);
    if (!(array instanceof Float32Array) || array.length !== values.length) {
      throw new BnValueError('allocator.allocate', `a Float32Array of length ${values.length}`, describeValue(array));
    }
    this.taken.push(array);
    array.set(values);
    return array;
  }

  freeAll(): void {
    for (const array of this.taken.splice(0)) this.allocator?.free?.(array);
  }
}

type RunningBefore = { runningMean?: readonly number[]; runningVar?: readonly number[]; numBatchesTracked?: number };

/** The running statistics each step starts from: the case's params, then each step's expected ones rounded to float32. */
function runningStatsBefore(golden: GoldenCase): RunningBefore[] {
  const rounded = (values: readonly number[] | undefined): number[] | undefined => values && Array.from(values, Math.fround);
  let current: RunningBefore = { runningMean: golden.params.runningMean, runningVar: golden.params.runningVar, numBatchesTracked: golden.params.numBatchesTracked };
  return golden.steps.map((step) => {
    const before = current;
    const train = step.expected.trainForward;
    if (train?.runningMean && train.runningVar) {
      current = { runningMean: rounded(train.runningMean), runningVar: rounded(train.runningVar), numBatchesTracked: train.numBatchesTracked };
    }
    return before;
  });
}

function scalar(value: number | undefined): number[] | undefined {
  return value === undefined ? undefined : [value];
}

async function runStep(backend: Backend, golden: GoldenCase, operation: Operation, step: GoldenStep, label: string, before: RunningBefore, tolerance: CaseTolerances, arrays: StepArrays): Promise<Comparison> {
  const base = {
    x: arrays.from(step.x),
    shape: golden.shape,
    layout: golden.layout,
    options: { ...golden.options },
    gamma: arrays.from(golden.params.gamma),
  };
  const running = () => ({ runningMean: arrays.from(before.runningMean), runningVar: arrays.from(before.runningVar), numBatchesTracked: before.numBatchesTracked });
  const result = emptyComparison();
  const check = (actual: ArrayLike<number> | undefined, expected: readonly number[] | undefined, kind: keyof CaseTolerances, name: string): void => {
    if (expected) mergeComparison(result, compareArrays(actual, expected, tolerance[kind], `${label} ${operation}.${name}`));
  };
  if (operation === 'inference') {
    const expected = step.expected.inference;
    const out = await backend.inference({ ...base, beta: arrays.from(golden.params.beta), ...running() });
    check(out?.y, expected?.y, 'y', 'y');
  } else if (operation === 'trainForward') {
    const expected = step.expected.trainForward;
    const out = await backend.trainForward({ ...base, beta: arrays.from(golden.params.beta), ...running() });
    check(out?.y, expected?.y, 'y', 'y');
    check(out?.batchMean, expected?.batchMean, 'stats', 'batchMean');
    check(out?.batchVar, expected?.batchVar, 'stats', 'batchVar');
    check(out?.invStd, expected?.invStd, 'stats', 'invStd');
    check(out?.runningMean, expected?.runningMean, 'stats', 'runningMean');
    check(out?.runningVar, expected?.runningVar, 'stats', 'runningVar');
    check(scalar(out?.numBatchesTracked), scalar(expected?.numBatchesTracked), 'stats', 'numBatchesTracked');
  } else {
    const expected = step.expected.backward;
    const saved = step.expected.trainForward;
    const out = await backend.backward({
      ...base,
      dy: arrays.from(step.dy ?? []),
      savedMean: Float64Array.from(saved?.batchMean ?? []),
      savedInvStd: Float64Array.from(saved?.invStd ?? []),
    });
    check(out?.dx, expected?.dx, 'dx', 'dx');
    check(out?.dgamma, expected?.dgamma, 'dparams', 'dgamma');
    check(out?.dbeta, expected?.dbeta, 'dparams', 'dbeta');
  }
  return result;
}

/**
 * Runs one operation of a golden case on a backend, step by step, and compares every expected
 * output with `tolerance`. Each step starts from the running statistics the case expects before
 * it (the params, then the previous step's expected ones rounded to float32), so one error does
 * not cascade; backward gets the step's expected batchMean and invStd (Float64Array) as saved
 * statistics. Float32 inputs come from `allocator` (default: new Float32Arrays) and are freed
 * after each step. The first error the backend (or the allocator) throws stops the run and is
 * returned as `error` with an infinite error ratio.
 */
export async function runCaseOperation(backend: Backend, golden: GoldenCase, operation: Operation, tolerance: CaseTolerances, allocator?: ArrayAllocator): Promise<OperationOutcome> {
  const result: OperationOutcome = emptyComparison();
  const running = runningStatsBefore(golden);
  for (const [s, step] of golden.steps.entries()) {
    const label = `step ${s + 1}`;
    const arrays = new StepArrays(allocator);
    try {
      mergeComparison(result, await runStep(backend, golden, operation, step, label, running[s] ?? {}, tolerance, arrays));
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { maxAbsError: Infinity, maxErrorRatio: Infinity, worst: `${label} ${operation} threw`, error: message, thrown: error };
    } finally {
      arrays.freeAll();
    }
  }
  return result;
}
