import type { Command } from 'commander';
import { gradcheck } from '@bnkit/core';
import { BACKEND_NAMES, closeBackends, openBackends, unavailableText, type BackendName } from '../backends.js';
import { paletteFor } from '../color.js';
import { formatQuantity } from '../format-number.js';
import { GRADCHECK_TOLERANCES, gradcheckProblems } from '../gradcheck-cases.js';
import { parseInteger, parseNameList } from '../parse-args.js';
import { formatTable } from '../text-table.js';
import { EXIT } from '../usage-error.js';
import type { CommandContext } from './context.js';

/** Options of `bnkit gradcheck`, parsed. */
export interface GradcheckOptions {
  readonly backends: readonly BackendName[];
  readonly cases: number;
  readonly seed: number;
}

/**
 * Checks each backend's backward against finite differences of the float64 reference forward
 * (core's `gradcheck`) on random small problems, prints one row per backend and problem, and
 * returns 1 when a check fails, a backend lacks backward or could not be opened.
 */
export async function runGradcheckCommand(options: GradcheckOptions, context: CommandContext): Promise<number> {
  const problems = gradcheckProblems(options.cases, options.seed);
  const slots = await openBackends(options.backends);
  const palette = paletteFor(context.stdout);
  const rows: string[][] = [];
  let failed = false;
  try {
    for (const slot of slots) {
      if (slot.status === 'unavailable') {
        rows.push([slot.name, '-', '-', '-', '-', '-', palette.red(unavailableText(slot))]);
        failed = true;
        continue;
      }
      if (!slot.backend.capabilities.operations.includes('backward')) {
        rows.push([slot.name, '-', '-', '-', '-', '-', palette.red('no backward')]);
        failed = true;
        continue;
      }
      const tolerance = GRADCHECK_TOLERANCES[slot.entry.precision];
      const toleranceText = slot.entry.precision;
      for (const { name, problem } of problems) {
        if (!slot.backend.capabilities.layouts.includes(problem.layout)) {
          rows.push([slot.name, name, toleranceText, '-', '-', '-', palette.dim('unsupported layout')]);
          continue;
        }
        try {
          const result = await gradcheck(problem, (input) => slot.backend.backward(input), tolerance);
          if (!result.passed) failed = true;
          rows.push([
            slot.name,
            name,
            toleranceText,
            formatQuantity(result.maxAbsError),
            formatQuantity(result.maxErrorRatio),
            result.worst,
            result.passed ? palette.green('pass') : palette.red('FAIL'),
          ]);
        } catch (error) {
          failed = true;
          rows.push([slot.name, name, toleranceText, '-', '-', '-', palette.red(`error: ${error instanceof Error ? error.message : String(error)}`)]);
        }
      }
    }
  } finally {
    await closeBackends(slots);
  }
  context.stdout.write(`Gradcheck: backward vs central finite differences of the float64 reference forward (seed ${options.seed})\n\n`);
  context.stdout.write(
    `${formatTable(
      [
        { header: 'backend' },
        { header: 'case' },
        { header: 'precision' },
        { header: 'max abs err', align: 'right' },
        { header: 'max ratio', align: 'right' },
        { header: 'worst' },
        { header: 'result' },
      ],
      rows,
    )}\n\n`,
  );
  context.stdout.write('A gradient passes when |analytic - numeric| <= abs + rel * |numeric| everywhere (max ratio <= 1), with\n');
  for (const [precision, { abs, rel }] of Object.entries(GRADCHECK_TOLERANCES)) {
    context.stdout.write(`  ${precision} backends: abs ${abs.toExponential(0)}, rel ${rel.toExponential(0)}\n`);
  }
  return failed ? EXIT.failure : EXIT.ok;
}

/** Adds `bnkit gradcheck` to the program. */
export function registerGradcheckCommand(program: Command, context: CommandContext): void {
  program
    .command('gradcheck')
    .description("compare backends' backward with finite differences on random small cases over several layouts")
    .requiredOption('-b, --backend <names>', `comma-separated backends: ${BACKEND_NAMES.join(', ')}, or all`)
    .option('--cases <n>', 'number of random cases', '14')
    .option('--seed <s>', 'seed of the random cases', '1')
    .action(async (raw: { backend: string; cases: string; seed: string }) => {
      const options: GradcheckOptions = {
        backends: parseNameList('--backend', raw.backend, BACKEND_NAMES),
        cases: parseInteger('--cases', raw.cases, 1, 10_000),
        seed: parseInteger('--seed', raw.seed, 0, 2 ** 32 - 1),
      };
      context.exitCode = await runGradcheckCommand(options, context);
    });
}
