import type { Command } from 'commander';
import { OPERATIONS } from '@bnkit/core';
import { BACKEND_NAMES, closeBackends, openBackends } from '../backends.js';
import { createProgress } from '../progress.js';
import { isUnexpected, loadCases, loadSpec, runSuiteWithProgress } from '../spec-suite.js';
import { EXIT } from '../usage-error.js';
import { chooseFromRuns } from './choose.js';
import { writeConformance } from './conformance.js';
import type { CommandContext } from './context.js';
import { addShapeOptions, parseShapeOptions, type RawShapeOptions } from './shared-options.js';

/**
 * The project's main job: conformance of every backend, then a recommendation for inference,
 * training and backward on one shape. Returns 1 when an available backend has an unexpected
 * conformance result or nothing qualifies; a backend that is unavailable on this machine is
 * reported but, not having been asked for by name, does not fail the run.
 */
export async function runMainCommand(options: ReturnType<typeof parseShapeOptions>, context: CommandContext): Promise<number> {
  const spec = await loadSpec();
  const cases = await loadCases(spec);
  const slots = await openBackends(BACKEND_NAMES);
  try {
    const runs = await runSuiteWithProgress(spec, slots, cases, createProgress(context.stderr));
    writeConformance(runs, cases.length, context);
    context.stdout.write('\n');
    const chosen = await chooseFromRuns(runs, slots, { ...options, need: OPERATIONS }, context);
    const broken = runs.some((run) => run.slot.status === 'ready' && (!run.report || run.report.results.some(isUnexpected)));
    return broken || chosen !== EXIT.ok ? EXIT.failure : EXIT.ok;
  } finally {
    await closeBackends(slots);
  }
}

/** Adds `bnkit main` to the program. */
export function registerMainCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('main')
    .description('conformance of every backend, then a recommendation for inference + train + backward');
  addShapeOptions(command, '8,64,28,28').action(async (raw: RawShapeOptions) => {
    context.exitCode = await runMainCommand(parseShapeOptions(raw), context);
  });
}
