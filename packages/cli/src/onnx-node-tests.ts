import type { OpenedBackend } from './backend-selection.js';
import { firstLine, importPackage, requireExport } from './load-package.js';

type RunOnnxNodeTests = (typeof import('@bnkit/onnxruntime'))['runOnnxNodeTests'];

/** One ONNX node-test directory as `runOnnxNodeTests` of `@bnkit/onnxruntime` reports it. */
export type OnnxNodeTestResult = Pick<Awaited<ReturnType<RunOnnxNodeTests>>[number], 'name' | 'passed' | 'maxError' | 'reason'>;

/** ONNX node-test results of one backend, or why it has none. */
export type NodeTestOutcome =
  | { readonly kind: 'ran'; readonly results: readonly OnnxNodeTestResult[] }
  | { readonly kind: 'not-supported' }
  | { readonly kind: 'error'; readonly reason: string };

/**
 * Runs ONNX node-test directories (model.onnx plus test_data_set_*) on the backends that can run
 * them, with the ONNX backend tests' own tolerance (rel 1e-3, abs 1e-7, the package default): a
 * backend runs them when its package exports `runOnnxNodeTests` (today `@bnkit/onnxruntime`,
 * whose engine executes ONNX models); every other backend is `not-supported`. A failure to load
 * or run them is an `error` outcome, never an exception.
 */
export async function runNodeTests(
  slots: readonly OpenedBackend[],
  dirs: readonly string[],
): Promise<Map<string, NodeTestOutcome>> {
  const outcomes = new Map<string, NodeTestOutcome>();
  for (const slot of slots) {
    const { packageName } = slot.descriptor;
    let run: RunOnnxNodeTests | undefined;
    try {
      const module = await importPackage(packageName);
      if (typeof module['runOnnxNodeTests'] === 'function') run = requireExport<RunOnnxNodeTests>(module, packageName, 'runOnnxNodeTests');
    } catch (error) {
      outcomes.set(slot.name, { kind: 'error', reason: firstLine(error instanceof Error ? error.message : String(error)) });
      continue;
    }
    if (!run) {
      outcomes.set(slot.name, { kind: 'not-supported' });
      continue;
    }
    if (slot.status !== 'ready') {
      outcomes.set(slot.name, { kind: 'error', reason: 'backend unavailable' });
      continue;
    }
    try {
      outcomes.set(slot.name, { kind: 'ran', results: await run(dirs) });
    } catch (error) {
      outcomes.set(slot.name, { kind: 'error', reason: firstLine(error instanceof Error ? error.message : String(error)) });
    }
  }
  return outcomes;
}

/** One line per failed node test (`backend  test: reason`), for the list under the matrix; empty when none failed. */
export function formatNodeTestFailures(outcomes: ReadonlyMap<string, NodeTestOutcome>): string {
  const lines: string[] = [];
  for (const [backend, outcome] of outcomes) {
    if (outcome.kind !== 'ran') continue;
    for (const result of outcome.results) {
      if (!result.passed) lines.push(`${backend}  ${result.name}: ${result.reason ?? 'failed'}`);
    }
  }
  return lines.join('\n');
}
