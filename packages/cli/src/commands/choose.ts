import type { Command } from 'commander';
import type { Layout, Operation } from '@bnkit/core';
import { BACKEND_NAMES, closeBackends, openBackends, type OpenedBackend } from '../backends.js';
import { shapeText } from '../bench-table.js';
import { loadBench, measure, type Timing } from '../benchmark-run.js';
import { applyMeasurement, assessCandidates, byTotalTime, formatChooseTable, recommend, recommendationText } from '../choose.js';
import { paletteFor } from '../color.js';
import { operationLabel, parseOperations } from '../parse-args.js';
import { createProgress } from '../progress.js';
import { loadCases, loadSpec, restrictCases, runSuiteWithProgress, type BackendConformance } from '../spec-suite.js';
import { EXIT } from '../usage-error.js';
import { addBrowserOption, browserTiming, runBrowserChooseCommand } from './browser.js';
import type { CommandContext } from './context.js';
import { addShapeOptions, parseShapeOptions, type RawShapeOptions } from './shared-options.js';

/** Options of `bnkit choose`, parsed. */
export interface ChooseOptions {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly need: readonly Operation[];
  readonly timing: Timing;
}

/**
 * Measures the backends that qualify according to `runs` and prints the table and the
 * recommendation. Returns 0 when a backend is recommended, 1 when none qualifies.
 */
export async function chooseFromRuns(
  runs: readonly BackendConformance[],
  slots: readonly OpenedBackend[],
  options: ChooseOptions,
  context: CommandContext,
): Promise<number> {
  const candidates = assessCandidates(runs, options.need, options.layout);
  const qualifying = candidates.filter((c) => c.disqualified.length === 0).map((c) => c.slot);
  if (qualifying.length) {
    const bench = await loadBench();
    const measurement = await measure(bench, qualifying, options.shape, options.layout, options.need, options.timing, createProgress(context.stderr));
    applyMeasurement(candidates, measurement);
  }
  candidates.sort(byTotalTime(options.need));
  const pick = recommend(candidates, options.need);
  const palette = paletteFor(context.stdout);
  context.stdout.write(`Choose a backend for ${shapeText(options.shape, options.layout)}, need ${options.need.map(operationLabel).join(', ')}\n\n`);
  context.stdout.write(`${formatChooseTable(candidates, options.need, palette)}\n\n`);
  context.stdout.write('A backend qualifies when it declares the needed operations and the layout and has no unexpected conformance\n');
  context.stdout.write('result in them; max err ratio is the largest error over those results (at most 1 is within tolerance).\n\n');
  context.stdout.write(`${pick ? palette.bold(recommendationText(candidates, options.need, pick)) : palette.red(recommendationText(candidates, options.need, pick))}\n`);
  return pick ? EXIT.ok : EXIT.failure;
}

/**
 * Runs the conformance cases of the needed operations on every backend, then measures and
 * recommends (see `chooseFromRuns`).
 */
export async function runChooseCommand(options: ChooseOptions, context: CommandContext): Promise<number> {
  const spec = await loadSpec();
  const cases = restrictCases(await loadCases(spec), options.need);
  const slots = await openBackends(BACKEND_NAMES);
  try {
    const runs = await runSuiteWithProgress(spec, slots, cases, createProgress(context.stderr));
    return await chooseFromRuns(runs, slots, options, context);
  } finally {
    await closeBackends(slots);
  }
}

/** Adds `bnkit choose` to the program. */
export function registerChooseCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('choose')
    .description('recommend the fastest backend that passes conformance for what you need, with a table of why')
    .option('--need <ops>', 'comma-separated operations you need: inference, train, backward', 'inference,train,backward');
  addShapeOptions(addBrowserOption(command), '8,64,28,28').action(async (raw: RawShapeOptions & { need: string; browser?: boolean }) => {
    const options: ChooseOptions = { ...parseShapeOptions(raw), need: parseOperations('--need', raw.need) };
    if (raw.browser) return void (context.exitCode = await runBrowserChooseCommand({ ...browserTiming(raw), need: options.need }, context));
    context.exitCode = await runChooseCommand(options, context);
  });
}
