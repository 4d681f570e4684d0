import type { Command } from 'commander';
import { BACKEND_NAMES, closeBackends, openBackends, type BackendName } from '../backends.js';
import { paletteFor } from '../color.js';
import { MATRIX_LEGEND, formatConformanceMatrix, formatUnexpected, runFailed } from '../conformance-matrix.js';
import { EXIT } from '../usage-error.js';
import { formatNodeTestFailures, runNodeTests, type NodeTestOutcome } from '../onnx-node-tests.js';
import { parseNameList } from '../parse-args.js';
import { createProgress } from '../progress.js';
import { loadCases, loadSpec, runSuiteWithProgress, type BackendConformance } from '../spec-suite.js';
import { writeFileAtomic } from '@bnkit/core/node';
import type { CommandContext } from './context.js';
import { checkDirectoryOption, checkOutputOptions } from './shared-options.js';

/** Options of `bnkit conformance`, parsed. */
export interface ConformanceOptions {
  readonly backends: readonly BackendName[];
  readonly vectors: readonly string[];
  readonly onnxNodeTests: readonly string[];
  readonly json?: string;
}

/** The JSON document `--json` writes: every backend's status and every result. */
export function conformanceJson(runs: readonly BackendConformance[], nodeTests?: ReadonlyMap<string, NodeTestOutcome>): unknown {
  return {
    errorMeasure: 'maxErrorRatio = |actual - expected| / (abs + rel * |expected|); <= 1 passes',
    ok: runs.every((run) => !runFailed(run, nodeTests?.get(run.slot.name))),
    backends: runs.map((run) => ({
      name: run.slot.name,
      status: run.slot.status,
      ...(run.slot.status === 'unavailable' ? { reason: run.slot.reason } : {}),
      ...(run.error ? { error: run.error } : {}),
      ok: !runFailed(run, nodeTests?.get(run.slot.name)),
      counts: run.report?.counts ?? null,
      results: run.report?.results ?? [],
      ...(nodeTests ? { onnxNodeTests: nodeTests.get(run.slot.name) ?? null } : {}),
    })),
  };
}

/** Prints the matrix, its legend and the list of unexpected results and failed node tests. */
export function writeConformance(
  runs: readonly BackendConformance[],
  caseCount: number,
  context: CommandContext,
  nodeTests?: ReadonlyMap<string, NodeTestOutcome>,
): void {
  const palette = paletteFor(context.stdout);
  context.stdout.write(`Conformance: ${caseCount} golden cases\n\n`);
  context.stdout.write(`${formatConformanceMatrix(runs, palette, nodeTests)}\n\n${MATRIX_LEGEND}\n`);
  const unexpected = formatUnexpected(runs, palette);
  if (unexpected) context.stdout.write(`\nUnexpected results:\n${unexpected}\n`);
  const nodeFailures = nodeTests ? formatNodeTestFailures(nodeTests) : '';
  if (nodeFailures) context.stdout.write(`\nFailed ONNX node tests:\n${nodeFailures}\n`);
}

/**
 * Runs the shared suite (plus extra vectors and ONNX node tests) on the chosen backends, prints
 * the matrix and returns the exit code: 1 on any unexpected result or unavailable backend.
 */
export async function runConformanceCommand(options: ConformanceOptions, context: CommandContext): Promise<number> {
  const spec = await loadSpec();
  const cases = await loadCases(spec, options.vectors);
  const slots = await openBackends(options.backends);
  try {
    const runs = await runSuiteWithProgress(spec, slots, cases, createProgress(context.stderr));
    const nodeTests = options.onnxNodeTests.length ? await runNodeTests(slots, options.onnxNodeTests) : undefined;
    writeConformance(runs, cases.length, context, nodeTests);
    if (options.json) await writeFileAtomic(options.json, `${JSON.stringify(conformanceJson(runs, nodeTests), null, 2)}\n`);
    const failed = runs.some((run) => runFailed(run, nodeTests?.get(run.slot.name)));
    return failed ? EXIT.failure : EXIT.ok;
  } finally {
    await closeBackends(slots);
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds `bnkit conformance` to the program. */
export function registerConformanceCommand(program: Command, context: CommandContext): void {
  program
    .command('conformance')
    .description('run the shared golden-vector suite on backends and print a matrix of case groups by backend')
    .requiredOption('-b, --backend <names>', `comma-separated backends: ${BACKEND_NAMES.join(', ')}, or all`)
    .option('--vectors <dir>', 'extra directory of golden vectors, run after the shared ones (repeatable)', collect, [])
    .option('--onnx-node-tests <dir>', 'ONNX node-test directory to run where a backend can (repeatable)', collect, [])
    .option('--json <file>', 'also write every result as JSON to this file')
    .addHelpText(
      'after',
      '\nExit code: 0 when every asked-for backend is available and has no unexpected result, 1 otherwise, 2 on a bad argument.',
    )
    .action(async (raw: { backend: string; vectors: string[]; onnxNodeTests: string[]; json?: string }) => {
      const options: ConformanceOptions = {
        backends: parseNameList('--backend', raw.backend, BACKEND_NAMES),
        vectors: raw.vectors,
        onnxNodeTests: raw.onnxNodeTests,
        ...(raw.json ? { json: raw.json } : {}),
      };
      await checkOutputOptions({ '--json': raw.json });
      await checkDirectoryOption('--onnx-node-tests', raw.onnxNodeTests);
      context.exitCode = await runConformanceCommand(options, context);
    });
}
