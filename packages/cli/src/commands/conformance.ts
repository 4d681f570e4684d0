import type { Command } from 'commander';
import { listUnavailablePackages } from '@bnkit/core';
import {
  backendOptionHelp,
  openSelection,
  parseBackendSelection,
  selectionFailed,
  unavailablePackagesText,
  type BackendSelection,
} from '../backend-selection.js';
import { paletteFor } from '../color.js';
import { MATRIX_LEGEND, formatConformanceMatrix, formatUnexpected, runFailed } from '../conformance-matrix.js';
import { addJsonOption, reportContext, writeJsonOutput } from '../json-output.js';
import { EXIT } from '../usage-error.js';
import { formatNodeTestFailures, runNodeTests, type NodeTestOutcome } from '../onnx-node-tests.js';
import { createProgress } from '../progress.js';
import { loadCases, loadSpec, runSuiteWithProgress, type BackendConformance } from '../spec-suite.js';
import { addBrowserOption, runBrowserConformanceCommand } from './browser.js';
import type { CommandContext } from './context.js';
import { checkDirectoryOption, checkOutputOptions } from './shared-options.js';

/** Options of `bnkit conformance`, parsed. */
export interface ConformanceOptions {
  readonly backends: BackendSelection;
  readonly vectors: readonly string[];
  readonly onnxNodeTests: readonly string[];
  /** Where to write the JSON report (`-`: standard output). */
  readonly json?: string;
}

/** The JSON document `--json` writes: every backend's status and every result, and the backend packages that could not be imported. */
export function conformanceJson(runs: readonly BackendConformance[], nodeTests?: ReadonlyMap<string, NodeTestOutcome>): unknown {
  return {
    errorMeasure: 'maxErrorRatio = |actual - expected| / (abs + rel * |expected|); <= 1 passes',
    ok: runs.every((run) => !runFailed(run, nodeTests?.get(run.slot.name))),
    backends: runs.map((run) => ({
      name: run.slot.name,
      packageName: run.slot.descriptor.packageName,
      role: run.slot.descriptor.role,
      status: run.slot.status,
      ...(run.slot.status === 'unavailable' ? { reason: run.slot.reason } : {}),
      ...(run.error ? { error: run.error } : {}),
      ok: !runFailed(run, nodeTests?.get(run.slot.name)),
      counts: run.report?.counts ?? null,
      results: run.report?.results ?? [],
      ...(nodeTests ? { onnxNodeTests: nodeTests.get(run.slot.name) ?? null } : {}),
    })),
    unavailablePackages: listUnavailablePackages(),
  };
}

/** Prints the matrix, its legend, the unexpected results, failed node tests and packages that could not be imported. */
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
  const packages = unavailablePackagesText();
  if (packages) context.stdout.write(`\n${palette.red(packages)}\n`);
}

/**
 * Whether conformance runs fail the command: an available backend with an unexpected result or
 * failed node tests, or a backend (or package) the user asked for that could not be used.
 */
export function conformanceFailed(
  selection: BackendSelection,
  runs: readonly BackendConformance[],
  nodeTests?: ReadonlyMap<string, NodeTestOutcome>,
): boolean {
  const broken = runs.some((run) => run.slot.status === 'ready' && runFailed(run, nodeTests?.get(run.slot.name)));
  return broken || selectionFailed(selection, runs.map((run) => run.slot));
}

/**
 * Runs the shared suite (plus extra vectors and ONNX node tests) on the chosen backends, prints
 * the matrix and returns the exit code: 1 on an unexpected result, or when a backend asked for
 * by name (or `all`) is unavailable. Backends are opened through the registry and stay open
 * (`closeAllBackends` ends them).
 */
export async function runConformanceCommand(options: ConformanceOptions, context: CommandContext): Promise<number> {
  const spec = await loadSpec();
  const cases = await loadCases(spec, options.vectors);
  const slots = await openSelection(options.backends);
  const runs = await runSuiteWithProgress(spec, slots, cases, createProgress(context.stderr));
  const nodeTests = options.onnxNodeTests.length ? await runNodeTests(slots, options.onnxNodeTests) : undefined;
  writeConformance(runs, cases.length, reportContext(context, options.json), nodeTests);
  if (options.json) await writeJsonOutput(options.json, conformanceJson(runs, nodeTests), context);
  return conformanceFailed(options.backends, runs, nodeTests) ? EXIT.failure : EXIT.ok;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds `bnkit conformance` to the program. */
export function registerConformanceCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('conformance')
    .description('run the shared golden-vector suite on backends and print a matrix of case groups by backend')
    .option('-b, --backend <names>', backendOptionHelp())
    .option('--vectors <dir>', 'extra directory of golden vectors, run after the shared ones (repeatable)', collect, [])
    .option('--onnx-node-tests <dir>', 'ONNX node-test directory to run where a backend can (repeatable)', collect, []);
  addJsonOption(command, 'every result')
    .addHelpText(
      'after',
      '\nExit code: 0 when no available backend has an unexpected result (and, with --backend, every named backend is\navailable), 1 otherwise, 2 on a bad argument.',
    );
  addBrowserOption(command).action(async (raw: { backend?: string; vectors: string[]; onnxNodeTests: string[]; json?: string; browser?: boolean }) => {
      if (raw.browser) return void (context.exitCode = await runBrowserConformanceCommand(raw, context));
      const options: ConformanceOptions = {
        backends: parseBackendSelection('--backend', raw.backend),
        vectors: raw.vectors,
        onnxNodeTests: raw.onnxNodeTests,
        ...(raw.json ? { json: raw.json } : {}),
      };
      await checkOutputOptions({ '--json': raw.json });
      await checkDirectoryOption('--onnx-node-tests', raw.onnxNodeTests);
      context.exitCode = await runConformanceCommand(options, context);
    });
}
