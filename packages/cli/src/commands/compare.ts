import type { Command } from 'commander';
import { writeFileAtomic } from '@bnkit/core/node';
import type { CompareFileOptions, ComparisonReport, ErrorStatistics } from '@bnkit/models';
import { backendOptionHelp, parseBackendSelection, selectionFailed, unavailablePackagesText, type BackendSelection } from '../backend-selection.js';
import { formatQuantity } from '../format-number.js';
import { addJsonOption, reportContext, STANDARD_OUTPUT, writeJsonOutput } from '../json-output.js';
import { importPackage, requireExport } from '../load-package.js';
import { parseInteger } from '../parse-args.js';
import { formatTable } from '../text-table.js';
import { EXIT, UsageError } from '../usage-error.js';
import type { CommandContext } from './context.js';
import { checkDirectoryOption, checkNotInput, checkOutputOptions } from './shared-options.js';

const MODELS = '@bnkit/models';

/** Raw options of `bnkit compare` as commander hands them over. */
interface RawCompareOptions {
  data?: string;
  backend?: string;
  json?: string;
  html?: string;
  save?: string;
  load?: string;
  batches: string;
  seed: string;
}

/** Options of `bnkit compare`, parsed. */
export interface CompareCommandOptions {
  readonly files: CompareFileOptions;
  readonly backends: BackendSelection;
  readonly json?: string;
  readonly html?: string;
}

/**
 * Checks the combination of options.
 * @throws UsageError for a missing or contradictory option.
 */
export function parseCompareOptions(model: string | undefined, raw: RawCompareOptions): CompareCommandOptions {
  const backends = parseBackendSelection('--backend', raw.backend);
  if (raw.load !== undefined && (model !== undefined || raw.data !== undefined)) throw new UsageError('--load', 'no MODEL and no --data (the saved capture holds both)', 'given');
  if (raw.load === undefined && model === undefined) throw new UsageError('MODEL', 'an .onnx model (or --load DIR)', 'none');
  if (raw.load !== undefined && raw.save !== undefined) throw new UsageError('--save', 'no --load (the capture is saved already)', 'both given');
  const files: CompareFileOptions = {
    backends: backends.names,
    randomBatches: parseInteger('--batches', raw.batches, 1, 10_000),
    seed: parseInteger('--seed', raw.seed, 0, 2 ** 32 - 1),
    ...(model !== undefined ? { model } : {}),
    ...(raw.data !== undefined ? { data: raw.data } : {}),
    ...(raw.save !== undefined ? { save: raw.save } : {}),
    ...(raw.load !== undefined ? { load: raw.load } : {}),
  };
  return { files, backends, ...(raw.json !== undefined ? { json: raw.json } : {}), ...(raw.html !== undefined ? { html: raw.html } : {}) };
}

function cells(s: ErrorStatistics): string[] {
  return [formatQuantity(s.maxAbs, 3), formatQuantity(s.maxRel, 3), formatQuantity(s.meanAbs, 3), formatQuantity(s.p99Abs, 3), String(s.maxUlp), `${s.nan}/${s.inf}`];
}

const STATISTIC_COLUMNS = [
  { header: 'max abs', align: 'right' },
  { header: 'max rel', align: 'right' },
  { header: 'mean abs', align: 'right' },
  { header: 'p99 abs', align: 'right' },
  { header: 'max ULP', align: 'right' },
  { header: 'NaN/Inf', align: 'right' },
] as const;

/** The text report: one row per node and engine in graph order, the worst node, and the fused outputs. */
export function formatComparisonReport(report: ComparisonReport): string {
  const origin = report.origin.kind === 'random' ? `seeded random inputs (seed ${report.origin.seed})` : report.origin.kind === 'saved' ? `the capture saved in ${report.origin.from}` : 'the given data';
  const rows = report.nodes.flatMap((node) =>
    node.rows.map((row, i) => [
      i === 0 ? `${node.order}. ${node.label}${report.worstOverall?.order === node.order ? ' (worst)' : ''}` : '',
      i === 0 ? node.producer : '',
      row.engine,
      ...(row.statistics ? cells(row.statistics) : [`${row.status}: ${row.reason ?? ''}`, '', '', '', '', '']),
    ]),
  );
  const lines = [
    `${report.nodes.length} BN nodes, ${report.batches} batch(es) of ${origin}; errors against the float64 reference on each node's captured input`,
    '',
    formatTable([{ header: 'BatchNormalization' }, { header: 'input from' }, { header: 'engine' }, ...STATISTIC_COLUMNS], rows),
    '',
  ];
  const worst = report.worstOverall;
  lines.push(worst ? `Worst node: ${worst.label} (${worst.engine}: ${worst.maxUlp} ULP, max abs ${formatQuantity(worst.maxAbs, 3)})` : 'No node was compared.');
  if (report.fused.length > 0) {
    lines.push('', 'Model outputs with ONNX Runtime optimisations on (BN fused into Conv) against off:', '');
    lines.push(formatTable([{ header: 'output' }, ...STATISTIC_COLUMNS], report.fused.map((f) => [f.output, ...cells(f.statistics)])));
  }
  lines.push('', 'ULP: distance in float32 units in the last place from the reference rounded to float32; p99: 99th percentile of |error|.');
  return lines.join('\n');
}

/**
 * Runs `bnkit compare`: compares every BN node, prints the table, writes the JSON and HTML
 * reports; returns 1 when a backend named with `--backend` could not be opened.
 * @throws UsageError for output paths that cannot be written; the errors of `compareFile`.
 */
export async function runCompare(options: CompareCommandOptions, context: CommandContext): Promise<number> {
  await checkOutputOptions({ '--json': options.json, '--html': options.html });
  for (const [option, path] of [['--json', options.json], ['--html', options.html]] as const) {
    if (path !== undefined && path !== STANDARD_OUTPUT && options.files.model !== undefined) await checkNotInput(option, path, 'MODEL', options.files.model);
  }
  if (options.files.data !== undefined) await checkDirectoryOption('--data', [options.files.data]);
  if (options.files.load !== undefined) await checkDirectoryOption('--load', [options.files.load]);
  const module = await importPackage(MODELS);
  const compareFile = requireExport<typeof import('@bnkit/models').compareFile>(module, MODELS, 'compareFile');
  const comparisonReportHtml = requireExport<typeof import('@bnkit/models').comparisonReportHtml>(module, MODELS, 'comparisonReportHtml');
  const report = await compareFile(options.files);
  const out = reportContext(context, options.json);
  out.stdout.write(`${formatComparisonReport(report)}\n`);
  const packages = unavailablePackagesText();
  if (packages) out.stdout.write(`\n${packages}\n`);
  if (options.json !== undefined) await writeJsonOutput(options.json, report, context);
  if (options.html !== undefined) await writeFileAtomic(options.html, comparisonReportHtml(report, `BN nodes of ${options.files.model ?? options.files.load ?? ''} across backends`));
  const unopened = report.nodes.some((n) => n.rows.some((r) => r.status === 'unavailable'));
  return (options.backends.required && unopened) || selectionFailed(options.backends, []) ? EXIT.failure : EXIT.ok;
}

/** Adds `bnkit compare` to the program. */
export function registerCompareCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('compare')
    .description("compare every BN node of an ONNX model across backends, on the node's input captured in ONNX Runtime")
    .argument('[model]', 'the .onnx model to read (not with --load)')
    .option('--data <dir>', 'input batches: .npy or .pb files in name order (one sub-folder per input for several inputs); default: seeded random inputs of the declared shapes')
    .option('-b, --backend <names>', backendOptionHelp())
    .option('--html <file>', 'write the report as an HTML page with a chart')
    .option('--save <dir>', "save each node's captured input and output (and the model outputs), to replay with --load")
    .option('--load <dir>', 'replay a capture saved with --save, without the model')
    .option('--batches <n>', 'batches of random inputs (without --data)', '1')
    .option('--seed <s>', 'seed of the random inputs', '1');
  addJsonOption(command, 'the report').action(async (model: string | undefined, raw: RawCompareOptions) => {
    context.exitCode = await runCompare(parseCompareOptions(model, raw), context);
  });
}
