import type { Command } from 'commander';
import { gradcheck } from '@bnkit/core';
import {
  backendOptionHelp,
  openSelection,
  parseBackendSelection,
  selectionFailed,
  unavailablePackagesText,
  unavailableText,
  type BackendSelection,
} from '../backend-selection.js';
import { paletteFor, type Palette } from '../color.js';
import { formatQuantity } from '../format-number.js';
import { DEFAULT_GRADCHECK_CASES, GRADCHECK_TOLERANCES, gradcheckProblems } from '../gradcheck-cases.js';
import { addJsonOption, reportContext, writeJsonOutput } from '../json-output.js';
import { parseInteger } from '../parse-args.js';
import { formatTable } from '../text-table.js';
import { EXIT } from '../usage-error.js';
import type { CommandContext } from './context.js';
import { checkOutputOptions } from './shared-options.js';

/** Options of `bnkit gradcheck`, parsed. */
export interface GradcheckOptions {
  readonly backends: BackendSelection;
  readonly cases: number;
  readonly seed: number;
  /** Where to write the JSON report (`-`: standard output). */
  readonly json?: string;
}

/** One checked (backend, problem) pair, or a backend that could not be checked, as the table and the JSON report it. */
export interface GradcheckRow {
  readonly backend: string;
  readonly case: string | null;
  readonly precision: string;
  readonly status: 'passed' | 'failed' | 'unsupported' | 'unavailable' | 'error';
  readonly maxAbsError: number | null;
  readonly maxErrorRatio: number | null;
  readonly worst: string | null;
  /** Why it did not run or failed to. */
  readonly reason?: string;
}

function resultCell(row: GradcheckRow, palette: Palette): string {
  switch (row.status) {
    case 'passed':
      return palette.green('pass');
    case 'failed':
      return palette.red('FAIL');
    case 'unsupported':
      return palette.dim(row.reason ?? 'unsupported');
    default:
      return palette.red(row.reason ?? row.status);
  }
}

/**
 * Checks each backend's backward against finite differences of the float64 reference forward
 * (core's `gradcheck`) on random small problems and returns one row per backend and problem
 * (one row for a backend that cannot be checked at all).
 */
export async function gradcheckRows(options: GradcheckOptions): Promise<GradcheckRow[]> {
  const problems = gradcheckProblems(options.cases, options.seed);
  const slots = await openSelection(options.backends);
  const rows: GradcheckRow[] = [];
  const none = { case: null, maxAbsError: null, maxErrorRatio: null, worst: null } as const;
  for (const slot of slots) {
    const precision = slot.descriptor.precision;
    if (slot.status === 'unavailable') {
      rows.push({ backend: slot.name, precision, status: 'unavailable', reason: unavailableText(slot), ...none });
      continue;
    }
    if (!slot.backend.capabilities.operations.includes('backward')) {
      rows.push({ backend: slot.name, precision, status: 'unsupported', reason: 'no backward', ...none });
      continue;
    }
    const tolerance = GRADCHECK_TOLERANCES[precision];
    if (!tolerance) {
      rows.push({ backend: slot.name, precision, status: 'unsupported', reason: `no gradcheck tolerance for ${precision} outputs`, ...none });
      continue;
    }
    for (const { name, problem } of problems) {
      if (!slot.backend.capabilities.layouts.includes(problem.layout)) {
        rows.push({ backend: slot.name, precision, status: 'unsupported', reason: 'unsupported layout', ...none, case: name });
        continue;
      }
      try {
        const result = await gradcheck(problem, (input) => slot.backend.backward(input), tolerance);
        rows.push({
          backend: slot.name,
          case: name,
          precision,
          status: result.passed ? 'passed' : 'failed',
          maxAbsError: result.maxAbsError,
          maxErrorRatio: result.maxErrorRatio,
          worst: result.worst,
        });
      } catch (error) {
        rows.push({ backend: slot.name, precision, status: 'error', reason: `error: ${error instanceof Error ? error.message : String(error)}`, ...none, case: name });
      }
    }
  }
  return rows;
}

/**
 * Runs `gradcheckRows`, prints the table and the tolerances, and returns 1 when a check fails or
 * errs, or a backend asked for with `--backend` could not be checked (no backward, unavailable).
 */
export async function runGradcheckCommand(options: GradcheckOptions, context: CommandContext): Promise<number> {
  const rows = await gradcheckRows(options);
  const report = reportContext(context, options.json);
  const palette = paletteFor(report.stdout);
  report.stdout.write(`Gradcheck: backward vs central finite differences of the float64 reference forward (seed ${options.seed})\n\n`);
  const cells = rows.map((row) => [
    row.backend,
    row.case ?? '-',
    row.precision,
    row.maxAbsError === null ? '-' : formatQuantity(row.maxAbsError),
    row.maxErrorRatio === null ? '-' : formatQuantity(row.maxErrorRatio),
    row.worst ?? '-',
    resultCell(row, palette),
  ]);
  report.stdout.write(
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
      cells,
    )}\n\n`,
  );
  report.stdout.write('A gradient passes when |analytic - numeric| <= abs + rel * |numeric| everywhere (max ratio <= 1), with\n');
  for (const [precision, tolerance] of Object.entries(GRADCHECK_TOLERANCES)) {
    report.stdout.write(`  ${precision} backends: abs ${tolerance.abs.toExponential(0)}, rel ${tolerance.rel.toExponential(0)}\n`);
  }
  const packages = unavailablePackagesText();
  if (packages) report.stdout.write(`\n${palette.red(packages)}\n`);
  if (options.json) await writeJsonOutput(options.json, { seed: options.seed, tolerances: GRADCHECK_TOLERANCES, rows }, context);
  const broken = rows.some((row) => row.status === 'failed' || row.status === 'error');
  // A backend named with --backend that could not be checked at all fails the run; by default it is only reported.
  const unchecked = options.backends.required && rows.some((row) => row.status === 'unavailable' || (row.status === 'unsupported' && row.case === null));
  return broken || unchecked || selectionFailed(options.backends, []) ? EXIT.failure : EXIT.ok;
}

/** Adds `bnkit gradcheck` to the program. */
export function registerGradcheckCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('gradcheck')
    .description("compare backends' backward with finite differences on random small cases over several layouts and conventions")
    .option('-b, --backend <names>', backendOptionHelp())
    .option('--cases <n>', 'number of random cases (cycling through every layout and convention)', String(DEFAULT_GRADCHECK_CASES))
    .option('--seed <s>', 'seed of the random cases', '1');
  addJsonOption(command, 'every row').action(async (raw: { backend?: string; cases: string; seed: string; json?: string }) => {
    const options: GradcheckOptions = {
      backends: parseBackendSelection('--backend', raw.backend),
      cases: parseInteger('--cases', raw.cases, 1, 10_000),
      seed: parseInteger('--seed', raw.seed, 0, 2 ** 32 - 1),
      ...(raw.json ? { json: raw.json } : {}),
    };
    await checkOutputOptions({ '--json': raw.json });
    context.exitCode = await runGradcheckCommand(options, context);
  });
}
