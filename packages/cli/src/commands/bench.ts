import type { Command } from 'commander';
import type { Layout, Operation } from '@bnkit/core';
import { BACKEND_NAMES, closeBackends, openBackends, type BackendName } from '../backends.js';
import { benchHtml } from '../bench-html.js';
import { BENCH_LEGEND, environmentText, formatBenchTable, shapeText } from '../bench-table.js';
import { loadBench, measure, type Timing } from '../benchmark-run.js';
import { paletteFor } from '../color.js';
import { parseNameList, parseOperations } from '../parse-args.js';
import { createProgress } from '../progress.js';
import { EXIT } from '../usage-error.js';
import { writeFileAtomic } from '@bnkit/core/node';
import type { CommandContext } from './context.js';
import { addShapeOptions, checkOutputOptions, parseShapeOptions, type RawShapeOptions } from './shared-options.js';

/** Options of `bnkit bench`, parsed. */
export interface BenchOptions {
  readonly backends: readonly BackendName[];
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
  const slots = await openBackends(options.backends);
  try {
    const measurement = await measure(bench, slots, options.shape, options.layout, options.operations, options.timing, createProgress(context.stderr));
    const palette = paletteFor(context.stdout);
    const where = measurement.report ? `\n${environmentText(measurement.report)}` : '';
    context.stdout.write(`Benchmark: ${shapeText(options.shape, options.layout)}${where}\n\n${formatBenchTable(measurement, slots, palette)}\n`);
    context.stdout.write(`\n${BENCH_LEGEND}\n`);
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
      await writeFileAtomic(options.json, `${JSON.stringify(document, null, 2)}\n`);
    }
    if (options.html) await writeFileAtomic(options.html, benchHtml(measurement, slots, options.shape, options.layout));
    const broken = slots.some((slot) => slot.status === 'unavailable') || measurement.rows.some((row) => row.error);
    return broken ? EXIT.failure : EXIT.ok;
  } finally {
    await closeBackends(slots);
  }
}

/** Adds `bnkit bench` to the program. */
export function registerBenchCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('bench')
    .description('benchmark backends side by side with a memory-copy baseline')
    .requiredOption('-b, --backend <names>', `comma-separated backends: ${BACKEND_NAMES.join(', ')}, or all`)
    .option('--op <ops>', 'comma-separated operations: inference, train, backward', 'inference,train,backward')
    .option('--json <file>', 'also write the rows as JSON to this file')
    .option('--html <file>', 'also write a self-contained HTML page with a GB/s bar chart');
  addShapeOptions(command, '32,64,56,56').action(async (raw: RawShapeOptions & { backend: string; op: string; json?: string; html?: string }) => {
    const options: BenchOptions = {
      backends: parseNameList('--backend', raw.backend, BACKEND_NAMES),
      ...parseShapeOptions(raw),
      operations: parseOperations('--op', raw.op),
      ...(raw.json ? { json: raw.json } : {}),
      ...(raw.html ? { html: raw.html } : {}),
    };
    await checkOutputOptions({ '--json': raw.json, '--html': raw.html });
    context.exitCode = await runBenchCommand(options, context);
  });
}
