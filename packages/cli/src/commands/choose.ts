import type { Command } from 'commander';
import { OPERATIONS, type Layout, type Operation } from '@bnkit/core';
import { backendOptionHelp, openSelection, parseBackendSelection, unavailablePackagesText, type BackendSelection } from '../backend-selection.js';
import { shapeText } from '../bench-table.js';
import type { Timing } from '../benchmark-run.js';
import { chooseFromConformance, chooseJson, type ChooseResult } from '../choose-backend.js';
import { formatChooseTable, recommendationText } from '../choose.js';
import { paletteFor } from '../color.js';
import { addJsonOption, reportContext, writeJsonOutput } from '../json-output.js';
import { parseOperations } from '../parse-args.js';
import { createProgress } from '../progress.js';
import { loadCases, loadSpec, restrictCases, runSuiteWithProgress } from '../spec-suite.js';
import { EXIT } from '../usage-error.js';
import { addBrowserOption, browserTiming, runBrowserChooseCommand } from './browser.js';
import type { CommandContext } from './context.js';
import { addShapeOptions, checkOutputOptions, parseShapeOptions, type RawShapeOptions } from './shared-options.js';

/** Options of `bnkit choose`, parsed. */
export interface ChooseOptions {
  readonly backends: BackendSelection;
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly need: readonly Operation[];
  readonly timing: Timing;
  /** Where to write the JSON report (`-`: standard output). */
  readonly json?: string;
}

/** Prints the table behind a choice and the recommendation. */
export function writeChoice(result: ChooseResult, context: CommandContext): void {
  const palette = paletteFor(context.stdout);
  const text = recommendationText(result.candidates, result.need, result.recommended);
  context.stdout.write(`Choose a backend for ${shapeText(result.shape, result.layout)}, need ${result.need.join(', ')}\n\n`);
  context.stdout.write(`${formatChooseTable(result.candidates, result.need, palette)}\n\n`);
  context.stdout.write('A backend qualifies when it declares the needed operations and the layout and has no unexpected conformance\n');
  context.stdout.write('result in them; max err ratio is the largest error over those results (at most 1 is within tolerance).\n');
  context.stdout.write('The float64 reference is the yardstick the others are checked against: shown, never recommended.\n\n');
  const packages = unavailablePackagesText();
  if (packages) context.stdout.write(`${palette.red(packages)}\n\n`);
  context.stdout.write(`${result.recommended ? palette.bold(text) : palette.red(text)}\n`);
}

/**
 * Runs the conformance cases of the needed operations on the chosen backends, then measures and
 * recommends (see `chooseBackend`). Returns 0 when a backend is recommended, 1 when none qualifies.
 */
export async function runChooseCommand(options: ChooseOptions, context: CommandContext): Promise<number> {
  const spec = await loadSpec();
  const cases = restrictCases(await loadCases(spec), options.need);
  const slots = await openSelection(options.backends);
  const progress = createProgress(context.stderr);
  const runs = await runSuiteWithProgress(spec, slots, cases, progress);
  const result = await chooseFromConformance(runs, { ...options, progress });
  writeChoice(result, reportContext(context, options.json));
  if (options.json) await writeJsonOutput(options.json, chooseJson(result), context);
  return result.recommended ? EXIT.ok : EXIT.failure;
}

/** Adds `bnkit choose` to the program. */
export function registerChooseCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('choose')
    .description('recommend the fastest backend that passes conformance for what you need, with a table of why')
    .option('-b, --backend <names>', backendOptionHelp())
    .option('--need <ops>', `comma-separated operations you need: ${OPERATIONS.join(', ')}`, OPERATIONS.join(','));
  addJsonOption(command, 'every candidate and the recommendation');
  addShapeOptions(addBrowserOption(command), '8,64,28,28').action(async (raw: RawShapeOptions & { backend?: string; need: string; json?: string; browser?: boolean }) => {
    if (raw.browser) return void (context.exitCode = await runBrowserChooseCommand(raw, { ...browserTiming(raw), need: parseOperations('--need', raw.need) }, context));
    const options: ChooseOptions = {
      backends: parseBackendSelection('--backend', raw.backend),
      ...parseShapeOptions(raw),
      need: parseOperations('--need', raw.need),
      ...(raw.json ? { json: raw.json } : {}),
    };
    await checkOutputOptions({ '--json': raw.json });
    context.exitCode = await runChooseCommand(options, context);
  });
}
