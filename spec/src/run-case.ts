import type { Backend, CaseTolerances, GoldenCase, GoldenStep, Operation } from '@bnkit/core';
import { compareArrays, emptyComparison, mergeComparison, type Comparison } from './compare.js';

/** The outcome of running one operation of a case on a backend. */
export interface OperationOutcome extends Comparison {
  /** The message of an error the backend threw, if it threw. */
  error?: string;
}

function f32(values: readonly number[] | undefined): Float32Array | undefined {
  return values ? Float32Array.from(values) : undefined;
}

/** The running statistics each step starts from: the case's params, then each step's expected ones. */
function runningStatsBefore(golden: GoldenCase): { runningMean?: Float32Array; runningVar?: Float32Array; numBatchesTracked?: number }[] {
  let current = { runningMean: f32(golden.params.runningMean), runningVar: f32(golden.params.runningVar), numBatchesTracked: golden.params.numBatchesTracked };
  return golden.steps.map((step) => {
    const before = current;
    const train = step.expected.trainForward;
    if (train?.runningMean && train.runningVar) {
      current = { runningMean: f32(train.runningMean), runningVar: f32(train.runningVar), numBatchesTracked: train.numBatchesTracked };
    }
    return before;
  });
}

function scalar(value: number | undefined): number[] | undefined {
  return value === undefined ? undefined : [value];
}

async function runStep(backend: Backend, golden: GoldenCase, operation: Operation, step: GoldenStep, label: string, running: ReturnType<typeof runningStatsBefore>[number], tolerance: CaseTolerances): Promise<Comparison> {
  const base = {
    x: Float32Array.from(step.x),
    shape: golden.shape,
    layout: golden.layout,
    options: { ...golden.options },
    gamma: f32(golden.params.gamma),
  };
  const result = emptyComparison();
  const check = (actual: ArrayLike<number> | undefined, expected: readonly number[] | undefined, kind: keyof CaseTolerances, name: string): void => {
    if (expected) mergeComparison(result, compareArrays(actual, expected, tolerance[kind], `${label} ${operation}.${name}`));
  };
  if (operation === 'inference') {
    const expected = step.expected.inference;
    const out = await backend.inference({ ...base, beta: f32(golden.params.beta), ...running });
    check(out?.y, expected?.y, 'y', 'y');
  } else if (operation === 'trainForward') {
    const expected = step.expected.trainForward;
    const out = await backend.trainForward({ ...base, beta: f32(golden.params.beta), ...running });
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
      dy: Float32Array.from(step.dy ?? []),
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
 * it (the params, then the previous step's expected ones, as Float32Array), so one error does
 * not cascade; backward gets the step's expected batchMean and invStd (Float64Array) as saved
 * statistics. Inputs go to the backend as Float32Array. The first error the backend throws stops
 * the run and is returned as `error` with an infinite error ratio.
 */
export async function runCaseOperation(backend: Backend, golden: GoldenCase, operation: Operation, tolerance: CaseTolerances): Promise<OperationOutcome> {
  const result: OperationOutcome = emptyComparison();
  const running = runningStatsBefore(golden);
  for (const [s, step] of golden.steps.entries()) {
    const label = `step ${s + 1}`;
    try {
      mergeComparison(result, await runStep(backend, golden, operation, step, label, running[s] ?? {}, tolerance));
    } catch (error) {
      return { maxAbsError: Infinity, maxErrorRatio: Infinity, worst: `${label} ${operation} threw`, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }
  return result;
}
