import type { Command } from 'commander';
import { OPERATIONS } from '@bnkit/core';
import { backendOptionHelp, openSelection, parseBackendSelection, type BackendSelection } from '../backend-selection.js';
import { chooseFromConformance, chooseJson } from '../choose-backend.js';
import { addJsonOption, reportContext, writeJsonOutput } from '../json-output.js';
import { createProgress } from '../progress.js';
import { loadCases, loadSpec, runSuiteWithProgress } from '../spec-suite.js';
import { EXIT } from '../usage-error.js';
import { writeChoice } from './choose.js';
import { conformanceFailed, conformanceJson, writeConformance } from './conformance.js';
import type { CommandContext } from './context.js';
import { addShapeOptions, checkOutputOptions, parseShapeOptions, type RawShapeOptions } from './shared-options.js';

/** Options of `bnkit main`, parsed. */
export type MainOptions = ReturnType<typeof parseShapeOptions> & {
  readonly backends: BackendSelection;
  /** Where to write the JSON report (`-`: standard output). */
  readonly json?: string;
};

/**
 * The project's main job: conformance of every backend, then a recommendation for inference,
 * training forward and backward on one shape, from the same opened backends (each initialised
 * once). Returns 1 when an available backend has an unexpected conformance result or nothing
 * qualifies; a backend that is unavailable on this machine is reported but, unless asked for
 * with `--backend`, does not fail the run.
 */
export async function runMainCommand(options: MainOptions, context: CommandContext): Promise<number> {
  const spec = await loadSpec();
  const cases = await loadCases(spec);
  const slots = await openSelection(options.backends);
  const progress = createProgress(context.stderr);
  const runs = await runSuiteWithProgress(spec, slots, cases, progress);
  const report = reportContext(context, options.json);
  writeConformance(runs, cases.length, report);
  report.stdout.write('\n');
  const choice = await chooseFromConformance(runs, { ...options, need: OPERATIONS, progress });
  writeChoice(choice, report);
  if (options.json) await writeJsonOutput(options.json, { conformance: conformanceJson(runs), choose: chooseJson(choice) }, context);
  return conformanceFailed(options.backends, runs) || !choice.recommended ? EXIT.failure : EXIT.ok;
}

/** Adds `bnkit main` to the program. */
export function registerMainCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('main')
    .description('conformance of every backend, then a recommendation for inference + trainForward + backward')
    .option('-b, --backend <names>', backendOptionHelp());
  addJsonOption(command, 'the conformance results and the choice');
  addShapeOptions(command, '8,64,28,28').action(async (raw: RawShapeOptions & { backend?: string; json?: string }) => {
    const options: MainOptions = { ...parseShapeOptions(raw), backends: parseBackendSelection('--backend', raw.backend), ...(raw.json ? { json: raw.json } : {}) };
    await checkOutputOptions({ '--json': raw.json });
    context.exitCode = await runMainCommand(options, context);
  });
}
