import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { BnValueError, DEFAULT_ONNX_OPSET, LAYOUTS, ONNX_OPSETS, describeValue, type Layout } from '@bnkit/core';
import { addJsonOption, reportContext, writeJsonOutput } from '../json-output.js';
import { importPackage, requireExport } from '../load-package.js';
import { formatInspection, inspection } from '../onnx-inspection.js';
import { parseInteger, parseLayout } from '../parse-args.js';
import { EXIT, UsageError } from '../usage-error.js';
import type { CommandContext } from './context.js';
import { checkNotInput, checkOutputOptions } from './shared-options.js';

const ONNX = '@bnkit/onnx';
const ONNX_NODE = '@bnkit/onnx/node';

/**
 * The functions of `@bnkit/onnx` (on bytes) and `@bnkit/onnx/node` (on files) the ONNX commands
 * use; the package does the ONNX work and writes files atomically.
 */
type OnnxTools = Pick<typeof import('@bnkit/onnx'), 'EXPORT_OPSETS' | 'decodeModel' | 'listBatchNormNodes' | 'batchNormNodesToJson'> &
  Pick<typeof import('@bnkit/onnx/node'), 'exportOnnxFromStatsFile' | 'foldOnnxFile' | 'externalDataFromFolder'>;

async function loadOnnx(): Promise<OnnxTools> {
  const [bytes, files] = await Promise.all([importPackage(ONNX), importPackage(ONNX_NODE)]);
  const get = <K extends keyof OnnxTools>(module: Record<string, unknown>, packageName: string, name: K): OnnxTools[K] =>
    requireExport<OnnxTools[K]>(module, packageName, name);
  return {
    EXPORT_OPSETS: requireExport<OnnxTools['EXPORT_OPSETS']>(bytes, ONNX, 'EXPORT_OPSETS', 'object'),
    decodeModel: get(bytes, ONNX, 'decodeModel'),
    listBatchNormNodes: get(bytes, ONNX, 'listBatchNormNodes'),
    batchNormNodesToJson: get(bytes, ONNX, 'batchNormNodesToJson'),
    exportOnnxFromStatsFile: get(files, ONNX_NODE, 'exportOnnxFromStatsFile'),
    foldOnnxFile: get(files, ONNX_NODE, 'foldOnnxFile'),
    externalDataFromFolder: get(files, ONNX_NODE, 'externalDataFromFolder'),
  };
}

/** Options of `bnkit export-onnx`, parsed. */
export interface ExportOnnxOptions {
  readonly stats: string;
  readonly out: string;
  readonly opset: number;
  readonly layout: Layout;
}

/**
 * Writes a one-node BatchNormalization model from a statistics JSON file and says what it wrote.
 * @throws UsageError for an opset the exporter does not write, or an `--out` that cannot be
 *   written or is the stats file itself; BnValueError, BnShapeError for an unreadable or
 *   malformed statistics file (naming the file and field) or a value float32 cannot hold.
 */
export async function runExportOnnx(options: ExportOnnxOptions, context: CommandContext): Promise<number> {
  const onnx = await loadOnnx();
  if (!onnx.EXPORT_OPSETS.includes(options.opset)) {
    throw new UsageError('--opset', `one of ${onnx.EXPORT_OPSETS.join(', ')}`, describeValue(options.opset));
  }
  await checkOutputOptions({ '--out': options.out });
  await checkNotInput('--out', options.out, '--stats', options.stats);
  const bytes = await onnx.exportOnnxFromStatsFile(options);
  const channels = onnx.listBatchNormNodes(bytes)[0]?.channels;
  context.stdout.write(`Wrote ${options.out}: BatchNormalization, ${channels} channels, opset ${options.opset}, layout ${options.layout}, ${bytes.length} bytes\n`);
  return EXIT.ok;
}

/**
 * Folds BatchNormalization nodes into the Conv or Gemm before them, writes the model and lists
 * what was folded or left. Writing over the input model is allowed (the write is atomic).
 * @throws UsageError for an `--out` that cannot be written (checked before the model is read).
 */
export async function runFold(input: string, out: string, context: CommandContext): Promise<number> {
  const onnx = await loadOnnx();
  await checkOutputOptions({ '--out': out });
  const result = await onnx.foldOnnxFile({ input, out });
  context.stdout.write(`Wrote ${out}: ${result.folded.length} BatchNormalization node(s) folded, ${result.skipped.length} left in place\n`);
  for (const f of result.folded) context.stdout.write(`  folded ${f.batchNorm} into ${f.opType} ${f.into}\n`);
  for (const s of result.skipped) context.stdout.write(`  kept ${s.batchNorm}: ${s.reason}\n`);
  return EXIT.ok;
}

/**
 * Prints what a model holds (opset, inputs, outputs, nodes, BN statistics with their sources) as
 * text, and writes it as JSON to `json` when given (`-`: standard output, the text then going to
 * standard error). External data is read from files in the model's folder, never outside it.
 * @throws BnValueError naming `model` when the file cannot be read; the decoder's errors for a
 *   malformed model.
 */
export async function runInspect(path: string, json: string | undefined, context: CommandContext): Promise<number> {
  const onnx = await loadOnnx();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new BnValueError('model', 'a readable .onnx file', `${describeValue(path)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const batchNorms = onnx.listBatchNormNodes(bytes, { externalData: onnx.externalDataFromFolder(path) });
  const report = inspection(path, onnx.decodeModel(bytes), onnx.batchNormNodesToJson(batchNorms));
  reportContext(context, json).stdout.write(`${formatInspection(report)}\n`);
  if (json !== undefined) await writeJsonOutput(json, report, context);
  return EXIT.ok;
}

/** Adds `bnkit export-onnx`, `bnkit fold` and `bnkit inspect` to the program. */
export function registerOnnxCommands(program: Command, context: CommandContext): void {
  program
    .command('export-onnx')
    .description('write a BatchNormalization ONNX model from a statistics JSON file')
    .requiredOption('--stats <file>', 'JSON with gamma, beta, runningMean, runningVar (arrays of length C) and eps')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option(`--opset <${ONNX_OPSETS.join('|')}>`, 'ONNX opset of the model', String(DEFAULT_ONNX_OPSET))
    .addOption(new Option('--layout <layout>', 'layout of the model input and output').choices(LAYOUTS).default('NCHW'))
    .action(async (raw: { stats: string; out: string; opset: string; layout: string }) => {
      const options: ExportOnnxOptions = {
        stats: raw.stats,
        out: raw.out,
        opset: parseInteger('--opset', raw.opset, 1, 1000),
        layout: parseLayout('--layout', raw.layout),
      };
      context.exitCode = await runExportOnnx(options, context);
    });
  program
    .command('fold')
    .description('fold BatchNormalization nodes of an ONNX model into the Conv or Gemm before them')
    .argument('<model>', 'the .onnx model to read')
    .requiredOption('--out <file>', 'the folded .onnx file to write')
    .action(async (model: string, raw: { out: string }) => {
      context.exitCode = await runFold(model, raw.out, context);
    });
  const inspect = program
    .command('inspect')
    .description('print what an ONNX model holds: opset, inputs, outputs, nodes and BN statistics')
    .argument('<model>', 'the .onnx model to read');
  addJsonOption(inspect, 'every value').action(async (model: string, raw: { json?: string }) => {
    await checkOutputOptions({ '--json': raw.json });
    context.exitCode = await runInspect(model, raw.json, context);
  });
}
