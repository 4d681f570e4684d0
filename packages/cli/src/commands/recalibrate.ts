import cliProgress from 'cli-progress';
import { Option, type Command } from 'commander';
import { describeValue } from '@bnkit/core';
import type { NodeReport, RecalibrateFileOptions, RecalibrationProgress, RecalibrationReport } from '@bnkit/models';
import { formatQuantity } from '../format-number.js';
import { importPackage, requireExport } from '../load-package.js';
import { formatTable } from '../text-table.js';
import { EXIT, UsageError } from '../usage-error.js';
import type { CommandContext } from './context.js';
import { addJsonOption, reportContext, STANDARD_OUTPUT, writeJsonOutput } from '../json-output.js';
import { checkDirectoryOption, checkNotInput, checkOutputOptions } from './shared-options.js';

const MODELS = '@bnkit/models';

/** Raw options of `bnkit recalibrate` as commander hands them over. */
interface RawRecalibrateOptions {
  data?: string;
  out?: string;
  mode: string;
  json?: string;
  html?: string;
  shard?: string;
  partial?: string;
  merge?: string[];
}

/**
 * Parses `K/N` (0 <= K < N).
 * @throws UsageError naming `--shard`.
 */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) throw new UsageError('--shard', 'K/N with 0 <= K < N (e.g. 0/4)', describeValue(value));
  return { index, count };
}

/**
 * Checks the combination of options.
 * @throws UsageError for a missing or contradictory option.
 */
export function parseRecalibrateOptions(model: string, raw: RawRecalibrateOptions): RecalibrateFileOptions {
  if (raw.mode !== 'train' && raw.mode !== 'eval') throw new UsageError('--mode', "'train' or 'eval'", describeValue(raw.mode));
  const options: RecalibrateFileOptions = { model, mode: raw.mode };
  for (const key of ['data', 'out', 'json', 'html', 'partial'] as const) if (raw[key] !== undefined) options[key] = raw[key];
  if (raw.merge !== undefined) {
    if (raw.data !== undefined || raw.shard !== undefined) throw new UsageError('--merge', 'no --data and no --shard (the partial files hold the data)', 'both given');
    if (raw.out === undefined) throw new UsageError('--out', 'the model to write with the merged statistics', 'none');
    options.merge = raw.merge;
    return options;
  }
  if (raw.data === undefined) throw new UsageError('--data', 'a folder of .npy or .pb batches (or --merge FILE...)', 'none');
  if (raw.shard !== undefined) {
    if (raw.mode !== 'train') {
      throw new UsageError('--shard', "--mode train (eval mode's nodes need every earlier node's statistics over all the data, so it cannot be split by batches)", `--mode ${raw.mode}`);
    }
    if (raw.partial === undefined) throw new UsageError('--partial', "the file to write the shard's partial statistics to", 'none');
    options.shard = parseShard(raw.shard);
    return options;
  }
  if (raw.out === undefined) throw new UsageError('--out', 'the recalibrated model to write', 'none');
  return options;
}

/** Progress on stderr: a bar with batches done and time left on a terminal; plain lines otherwise. */
function progressReporter(stream: NodeJS.WriteStream): { update(p: RecalibrationProgress): void; stop(): void } {
  if (stream.isTTY) {
    // One bar over every pass, so that the time left is the whole run's.
    const bar = new cliProgress.SingleBar(
      { stream, format: 'pass {pass}/{passes} {bar} {done}/{batches} batches | {eta_formatted} left', hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const payload = { pass: p.pass, passes: p.passes, done: p.done, batches: p.total };
        if (!started) bar.start(p.passes * p.total, 0, payload);
        started = true;
        bar.update((p.pass - 1) * p.total + p.done, payload);
      },
      stop: () => bar.stop(),
    };
  }
  const started = Date.now();
  let last = 0;
  return {
    update(p) {
      // One line per finished pass, and at most one every two seconds within a pass: logs stay short.
      const now = Date.now();
      if (p.done !== p.total && now - last < 2000) return;
      last = now;
      const elapsed = (now - started) / 1000;
      const fraction = ((p.pass - 1) * p.total + p.done) / (p.passes * p.total);
      stream.write(`pass ${p.pass}/${p.passes}: ${p.done}/${p.total} batches, ${formatQuantity(elapsed / fraction - elapsed, 2)} s left\n`);
    },
    stop: () => undefined,
  };
}

function range(values: readonly number[] | null): string {
  if (!values || values.length === 0) return '-';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? formatQuantity(lo, 4) : `${formatQuantity(lo, 3)} .. ${formatQuantity(hi, 3)}`;
}

/** The text report: one row per BN node, then the nodes not written with their reasons. */
export function formatRecalibrationReport(report: RecalibrationReport): string {
  const rows = report.nodes.map((n: NodeReport) => [
    n.label,
    String(n.level),
    String(n.channels),
    n.producer?.kind === 'node' ? n.producer.opType : (n.producer?.kind ?? '?'),
    n.written ? 'yes' : 'NO',
    range(n.oldMean),
    range(n.newMean),
    range(n.oldVariance),
    range(n.newVariance),
    n.maxAbsShift === null ? '-' : formatQuantity(n.maxAbsShift, 3),
  ]);
  const table = formatTable(
    [
      { header: 'BatchNormalization' },
      { header: 'level', align: 'right' },
      { header: 'C', align: 'right' },
      { header: 'input from' },
      { header: 'written' },
      { header: 'old mean' },
      { header: 'new mean' },
      { header: 'old var' },
      { header: 'new var' },
      { header: 'max |shift|', align: 'right' },
    ],
    rows,
  );
  const lines = [
    `mode ${report.mode}: ${report.batches} batches, ${report.passes} pass(es) over the data, ${report.nodeExecutions} node runs per batch (the model has ${report.modelNodes} nodes)`,
    '',
    table,
    '',
    'max |shift|: largest |new mean - old mean| / sqrt(old var + eps) over channels.',
  ];
  for (const n of report.nodes.filter((x) => !x.written)) lines.push(`not written: ${n.label}: ${n.reason ?? ''}`);
  return lines.join('\n');
}

/**
 * Runs `bnkit recalibrate`: recalibrates the model (or a shard of it, or merges shards), prints
 * the report and says what it wrote.
 * @throws UsageError for a bad command line; the errors of `recalibrateFile`.
 */
export async function runRecalibrate(options: RecalibrateFileOptions, context: CommandContext): Promise<number> {
  // --out may be the model itself (it is read first and replaced atomically); the reports may not.
  await checkOutputOptions({ '--out': options.out, '--json': options.json, '--html': options.html, '--partial': options.partial });
  for (const [option, path] of [['--json', options.json], ['--html', options.html], ['--partial', options.partial]] as const) {
    if (path !== undefined && path !== STANDARD_OUTPUT) await checkNotInput(option, path, 'MODEL', options.model);
  }
  if (options.data !== undefined) await checkDirectoryOption('--data', [options.data]);
  const module = await importPackage(MODELS);
  const recalibrateFile = requireExport<typeof import('@bnkit/models').recalibrateFile>(module, MODELS, 'recalibrateFile');
  const { json, ...fileOptions } = options;
  const progress = progressReporter(context.stderr);
  let result: Awaited<ReturnType<typeof recalibrateFile>>;
  try {
    result = await recalibrateFile({ ...fileOptions, onProgress: (p) => progress.update(p) });
  } finally {
    progress.stop();
  }
  const out = reportContext(context, json).stdout;
  if (result.partial) {
    out.write(`Wrote ${options.partial}: shard ${result.partial.shard.index}/${result.partial.shard.count}, ${result.partial.batches} of ${result.partial.totalBatches} batches, ${result.partial.nodes.length} BN nodes\n`);
    return EXIT.ok;
  }
  const report = result.report as RecalibrationReport;
  out.write(`${formatRecalibrationReport(report)}\n`);
  out.write(`Wrote ${options.out}: ${report.written} of ${report.nodes.length} BN nodes recalibrated${report.notWritten > 0 ? `, ${report.notWritten} not written (see above)` : ''}\n`);
  if (json !== undefined) await writeJsonOutput(json, report, context);
  return EXIT.ok;
}

/** Adds `bnkit recalibrate` to the program. */
export function registerRecalibrateCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('recalibrate')
    .description('recompute the BN statistics of an ONNX model from calibration data')
    .argument('<model>', 'the .onnx model to read')
    .option('--data <dir>', 'calibration batches: .npy or .pb files in name order (one sub-folder per input for several inputs)')
    .option('--out <file>', 'the recalibrated .onnx model to write')
    .addOption(new Option('--mode <mode>', 'train: average of batch statistics (update_bn); eval: population statistics node by node (AdaBN)').choices(['train', 'eval']).default('train'))
    .option('--html <file>', 'write the report as an HTML page')
    .option('--shard <K/N>', 'compute only shard K of N (0-based; batch i belongs to shard i mod N), train mode')
    .option('--partial <file>', "with --shard: where to write the shard's partial statistics")
    .option('--merge <files...>', 'merge the partial files of every shard instead of reading data');
  addJsonOption(command, 'the report (per node: old and new mean and variance, mean shift)').action(async (model: string, raw: RawRecalibrateOptions) => {
    context.exitCode = await runRecalibrate(parseRecalibrateOptions(model, raw), context);
  });
}
