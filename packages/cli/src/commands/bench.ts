import { Option, type Command } from 'commander';
import { LAYOUTS, listUnavailablePackages, type Operation } from '@bnkit/core';
import { BENCHMARK_LEGEND, DEFAULT_CASES, DEFAULT_TIMING, WARM_UP_WINDOWS, benchmarkHeading, caseText, parseCases, type BenchCase } from '@bnkit/bench';
import { writeFileAtomic } from '@bnkit/core/node';
import { backendOptionHelp, openSelection, parseBackendSelection, selectionFailed, type BackendSelection } from '../backend-selection.js';
import { benchHtml } from '../bench-html.js';
import { formatBenchTable } from '../bench-table.js';
import { loadBench, progressReporter, type Timing } from '../benchmark-run.js';
import { paletteFor } from '../color.js';
import { addJsonOption, reportContext, writeJsonOutput } from '../json-output.js';
import { MAX_SHAPE_ELEMENTS, checkShapeLayout, parseInteger, parseLayout, parseOperations, parsePositiveNumber, parseShape } from '../parse-args.js';
import { createProgress } from '../progress.js';
import { EXIT, UsageError } from '../usage-error.js';
import { addBrowserOption, runBrowserBenchCommand } from './browser.js';
import type { CommandContext } from './context.js';
import { checkOutputOptions } from './shared-options.js';

/** Options of `bnkit bench`, parsed. */
export interface BenchOptions {
  /** The registered backends to time (`--backend`; every one registered here by default). */
  readonly backends: BackendSelection;
  readonly cases: readonly BenchCase[];
  readonly operations: readonly Operation[];
  readonly timing: Timing;
  /** Whether to look for PyTorch, and the interpreter to try (default: python3, then /usr/bin/python3). */
  readonly pytorch: boolean;
  readonly python?: string;
  /** JSON report: a file, or `-` for standard output (the table then goes to standard error). */
  readonly json?: string;
  readonly html?: string;
}

/**
 * Benchmarks the registered backends (each with `allocate()` buffers and plain arrays where it
 * allocates) next to the copy baselines and PyTorch when importable, prints the table and writes
 * the JSON and HTML reports asked for. Returns 1 when an asked-for backend could not run or a
 * measurement failed.
 */
export async function runBenchCommand(options: BenchOptions, context: CommandContext): Promise<number> {
  const bench = await loadBench();
  const slots = await openSelection(options.backends);
  const skipped = [
    ...listUnavailablePackages().map(({ packageName, reason }) => ({ backend: packageName, reason: `package not loaded: ${reason}` })),
    ...slots.flatMap((slot) => (slot.status === 'unavailable' ? [{ backend: slot.name, reason: slot.reason }] : [])),
  ];
  const progress = createProgress(context.stderr);
  const report = await bench.runBenchmark({
    backends: slots.flatMap((slot) => (slot.status === 'ready' ? [slot.backend] : [])),
    skipped,
    cases: options.cases,
    operations: options.operations,
    ...options.timing,
    pytorch: options.pytorch ? (options.python !== undefined ? [options.python] : true) : false,
    onProgress: progressReporter(progress),
  });
  progress.stop();
  const out = reportContext(context, options.json).stdout;
  out.write(`${benchmarkHeading(report)}\n\n${formatBenchTable(report, paletteFor(out))}\n\n${BENCHMARK_LEGEND}\n`);
  if (options.json !== undefined) await writeJsonOutput(options.json, report, context);
  if (options.html !== undefined) await writeFileAtomic(options.html, benchHtml(report));
  const failed = report.rows.some((row) => row.kind === 'backend' && row.error !== undefined);
  return selectionFailed(options.backends, slots) || failed ? EXIT.failure : EXIT.ok;
}

interface RawBenchOptions {
  backend?: string;
  shapes?: string;
  shape?: string;
  layout: string;
  op: string;
  minTimeMs: string;
  repeats: string;
  warmUpMs?: string;
  pytorch: boolean;
  python?: string;
  json?: string;
  html?: string;
  browser?: boolean;
}

function parseBenchCases(raw: RawBenchOptions): BenchCase[] {
  if (raw.shape !== undefined) {
    if (raw.shapes !== undefined) throw new UsageError('--shape', 'either --shape or --shapes', 'both');
    const shape = parseShape('--shape', raw.shape);
    const layout = parseLayout('--layout', raw.layout);
    checkShapeLayout(shape, layout);
    return [{ shape, layout }];
  }
  if (raw.shapes === undefined) return [...DEFAULT_CASES];
  let cases: BenchCase[];
  try {
    cases = parseCases(raw.shapes, '--shapes');
  } catch (error) {
    throw new UsageError('--shapes', 'comma-separated cases like 32x64x56x56:NCHW', `${raw.shapes} (${error instanceof Error ? error.message : String(error)})`);
  }
  for (const benchCase of cases) {
    const elements = benchCase.shape.reduce((product, dim) => product * dim, 1);
    if (elements > MAX_SHAPE_ELEMENTS) throw new UsageError('--shapes', `cases of at most ${MAX_SHAPE_ELEMENTS} elements (the largest tensor this Node can allocate)`, `${caseText(benchCase)}, ${elements} elements`);
  }
  return cases;
}

/** Adds `bnkit bench` to the program. */
export function registerBenchCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('bench')
    .description('benchmark backends side by side with one- and two-thread memory copies and, when installed, PyTorch')
    .option('-b, --backend <names>', backendOptionHelp())
    .option('--shapes <list>', 'cases as DIMSxDIMS:LAYOUT, comma-separated', DEFAULT_CASES.map(caseText).join(','))
    .option('--shape <dims>', 'one case instead: comma-separated dims in layout order (with --layout)')
    .addOption(new Option('--layout <layout>', 'memory layout of --shape').choices(LAYOUTS).default('NCHW'))
    .option('--op <ops>', 'comma-separated operations: inference, trainForward, backward', 'inference,trainForward,backward')
    .option('--min-time-ms <ms>', 'least time per sample in milliseconds', String(DEFAULT_TIMING.minTimeMs))
    .option('--repeats <n>', 'samples per row; min, median and max are reported', String(DEFAULT_TIMING.repeats))
    .option('--warm-up-ms <ms>', `calls repeated before a row's first sample in milliseconds (default: ${WARM_UP_WINDOWS} times --min-time-ms)`)
    .option('--no-pytorch', 'do not look for PyTorch (by default it is timed in the same run when python3 can import torch)')
    .option('--python <exe>', 'the Python interpreter with torch (default: python3, then /usr/bin/python3)')
    .option('--html <file>', 'also write a self-contained HTML page with charts of ms and GB/s and their spread');
  addJsonOption(addBrowserOption(command), 'the report (every row with min, median and max)').action(async (raw: RawBenchOptions) => {
    const cases = parseBenchCases({ ...raw, ...(command.getOptionValueSource('shapes') === 'default' ? { shapes: undefined } : {}) });
    const operations = parseOperations('--op', raw.op);
    const timing = {
      minTimeMs: parsePositiveNumber('--min-time-ms', raw.minTimeMs),
      repeats: parseInteger('--repeats', raw.repeats, 1, 1000),
      ...(raw.warmUpMs !== undefined ? { warmUpMs: parseInteger('--warm-up-ms', raw.warmUpMs, 0, 600_000) } : {}),
    };
    if (raw.browser) {
      // The page times one case: --shape, one --shapes entry, or the first default case.
      const given = command.getOptionValueSource('shapes') !== 'default';
      if (given && cases.length > 1) throw new UsageError('--shapes', 'one case with --browser', raw.shapes ?? '');
      const [only] = cases as [BenchCase];
      await checkOutputOptions({ '--json': raw.json });
      context.exitCode = await runBrowserBenchCommand(raw, { shape: only.shape, layout: only.layout, ...timing, operations }, context);
      return;
    }
    const options: BenchOptions = {
      backends: parseBackendSelection('--backend', raw.backend),
      cases,
      operations,
      timing,
      pytorch: raw.pytorch,
      ...(raw.python !== undefined ? { python: raw.python } : {}),
      ...(raw.json !== undefined ? { json: raw.json } : {}),
      ...(raw.html !== undefined ? { html: raw.html } : {}),
    };
    await checkOutputOptions({ '--json': raw.json, '--html': raw.html });
    context.exitCode = await runBenchCommand(options, context);
  });
}
