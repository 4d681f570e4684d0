import type { Command } from 'commander';
import type { Layout, Operation } from '@bnkit/core';
import { backendOptionHelp, openSelection, parseBackendSelection, selectionFailed, type BackendSelection } from '../backend-selection.js';
import { benchHtml } from '../bench-html.js';
import { BENCH_LEGEND, environmentText, formatBenchTable, shapeText } from '../bench-table.js';
import { loadBench, measure, type Timing } from '../benchmark-run.js';
import { paletteFor } from '../color.js';
import { reportContext, writeJsonOutput } from '../json-output.js';
import { parseOperations } from '../parse-args.js';
import { createProgress } from '../progress.js';
import { EXIT } from '../usage-error.js';
import { writeFileAtomic } from '@bnkit/core/node';
import { addBrowserOption, browserTiming, runBrowserBenchCommand } from './browser.js';
import type { CommandContext } from './context.js';
import { addShapeOptions, checkOutputOptions, parseShapeOptions, type RawShapeOptions } from './shared-options.js';

/** Options of `bnkit bench`, parsed. */
export interface BenchOptions {
  readonly backends: BackendSelection;
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly operations: readonly Operation[];
  readonly timing: Timing;
  readonly json?: string;
  readonly html?: string;
}

/**
 * Benchmarks the chosen backends side by side with the copy baseline, prints the table and
 * writes the JSON and HTML reports asked for. Returns 1 when an asked-for backend could not run
 * or a measurement failed.
 */
export async function runBenchCommand(options: BenchOptions, context: CommandContext): Promise<number> {
  const bench = await loadBench();
  const slots = await openSelection(options.backends);
  const measurement = await measure(bench, slots, options.shape, options.layout, options.operations, options.timing, createProgress(context.stderr));
  const report = reportContext(context, options.json);
  const palette = paletteFor(report.stdout);
  const where = measurement.report ? `\n${environmentText(measurement.report)}` : '';
  report.stdout.write(`Benchmark: ${shapeText(options.shape, options.layout)}${where}\n\n${formatBenchTable(measurement, slots, palette)}\n`);
  report.stdout.write(`\n${BENCH_LEGEND}\n`);
  if (options.json) {
    const unavailable = slots.flatMap((slot) => (slot.status === 'unavailable' ? [{ backend: slot.name, reason: slot.reason }] : []));
    const document = {
      shape: options.shape,
      layout: options.layout,
      operations: options.operations,
      environment: measurement.report?.environment ?? null,
      rows: measurement.report?.rows ?? [],
      unavailable,
    };
    await writeJsonOutput(options.json, document, context);
  }
  if (options.html) await writeFileAtomic(options.html, benchHtml(measurement, slots, options.shape, options.layout));
  const broken = selectionFailed(options.backends, slots) || measurement.rows.some((row) => row.error);
  return broken ? EXIT.failure : EXIT.ok;
}

/** Adds `bnkit bench` to the program. */
export function registerBenchCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('bench')
    .description('benchmark backends side by side with a memory-copy baseline')
    .option('-b, --backend <names>', backendOptionHelp())
    .option('--op <ops>', 'comma-separated operations: inference, trainForward, backward', 'inference,trainForward,backward')
    .option('--json <file>', 'also write the rows as JSON to this file (- for standard output)')
    .option('--html <file>', 'also write a self-contained HTML page with a GB/s bar chart');
  addShapeOptions(addBrowserOption(command), '32,64,56,56').action(async (raw: RawShapeOptions & { backend?: string; op: string; json?: string; html?: string; browser?: boolean }) => {
    if (raw.browser) return void (context.exitCode = await runBrowserBenchCommand(raw, { ...browserTiming(raw), operations: parseOperations('--op', raw.op) }, context));
    const options: BenchOptions = {
      backends: parseBackendSelection('--backend', raw.backend),
      ...parseShapeOptions(raw),
      operations: parseOperations('--op', raw.op),
      ...(raw.json ? { json: raw.json } : {}),
      ...(raw.html ? { html: raw.html } : {}),
    };
    await checkOutputOptions({ '--json': raw.json, '--html': raw.html });
    context.exitCode = await runBenchCommand(options, context);
  });
}
