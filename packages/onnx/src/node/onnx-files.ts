import { BnValueError, DEFAULT_ONNX_OPSET, describeValue, type Layout } from '@bnkit/core';
import { readFile } from 'node:fs/promises';
import { isSameFile, writeFileAtomic } from '@bnkit/core/node';
import { exportBatchNormModel, type BatchNormExportOptions } from '../batch-norm-model.js';
import { listBatchNormNodes, type BnNodeStatistics } from '../batch-norm-nodes.js';
import { foldBatchNorm, type FoldResult } from '../fold.js';
import { replaceBatchNormStatistics, type StatisticsUpdate } from '../replace-statistics.js';
import { parseStatsText } from '../stats-json.js';
import { externalDataFromFolder } from './external-data-files.js';

/**
 * Reads a whole file.
 * @throws BnValueError naming the argument when the file cannot be read.
 */
async function readInput(path: string, argument: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new BnValueError(argument, 'a readable file', `${describeValue(path)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, undefined, { cause: error });
  }
}

/** Options of `exportOnnxFromStatsFile`, those of `bnkit export-onnx`. */
export interface ExportOnnxFileOptions {
  /** Path of the stats.json file. */
  stats: string;
  /** Path of the .onnx file to write; not the stats file. */
  out: string;
  /** 9, 14 or 15; default `DEFAULT_ONNX_OPSET` of core. */
  opset?: number;
  /** Default NCHW. */
  layout?: Layout;
  dataType?: BatchNormExportOptions['dataType'];
}

/**
 * `bnkit export-onnx`: reads stats.json (see `parseStats`; a UTF-8 byte-order mark is allowed),
 * writes the BatchNormalization model atomically to `out` (see `writeFileAtomic` of
 * `@bnkit/core/node`), and returns its bytes. `out` is untouched when anything fails.
 * @throws BnValueError for an unreadable or invalid stats.json (naming the field, expected and
 *   found value), a value float32 cannot hold, `out` naming the stats file itself or a special
 *   file, or bad options; BnShapeError for arrays of different lengths.
 */
export async function exportOnnxFromStatsFile(options: ExportOnnxFileOptions): Promise<Uint8Array> {
  if (await isSameFile(options.stats, options.out)) {
    throw new BnValueError('out', 'a file other than the stats file it is made from', `${describeValue(options.out)} is ${describeValue(options.stats)}`);
  }
  const text = (await readInput(options.stats, 'stats')).toString('utf8');
  const stats = parseStatsText(text, options.stats);
  const exportOptions: BatchNormExportOptions = { opset: options.opset ?? DEFAULT_ONNX_OPSET, layout: options.layout ?? 'NCHW' };
  if (options.dataType !== undefined) exportOptions.dataType = options.dataType;
  const bytes = exportBatchNormModel(stats, exportOptions);
  await writeFileAtomic(options.out, bytes, { argument: 'out' });
  return bytes;
}

/**
 * `bnkit inspect`: the BatchNormalization nodes of a model file with their statistics; external
 * data is read from files next to the model (never outside its folder).
 * @throws BnValueError for an unreadable file; OnnxFormatError for malformed or invalid models.
 */
export async function inspectOnnxFile(path: string): Promise<BnNodeStatistics[]> {
  return listBatchNormNodes(new Uint8Array(await readInput(path, 'model')), { externalData: externalDataFromFolder(path) });
}

/**
 * `bnkit fold`: folds BN nodes into the Conv/Gemm before them (see `foldBatchNorm`) and writes
 * the model atomically to `out`. `out` is untouched when anything fails.
 * @throws BnValueError for an unreadable input or an `out` that cannot be written (a special
 *   file, a missing directory); OnnxFormatError for malformed or invalid models.
 */
export async function foldOnnxFile(options: { input: string; out: string }): Promise<FoldResult> {
  const result = foldBatchNorm(new Uint8Array(await readInput(options.input, 'input')));
  await writeFileAtomic(options.out, result.bytes, { argument: 'out' });
  return result;
}

/**
 * Replaces the statistics of named BN nodes in a model file, byte-preserving everything else
 * (see `replaceBatchNormStatistics`), and writes the result atomically to `out` (which may be
 * `input`). `out` is untouched when anything fails.
 * @throws BnValueError, BnShapeError, OnnxFormatError as `replaceBatchNormStatistics` does, and
 *   BnValueError for an unreadable input or an `out` that cannot be written.
 */
export async function replaceStatisticsInFile(options: { input: string; out: string; updates: readonly StatisticsUpdate[] }): Promise<Uint8Array> {
  const bytes = replaceBatchNormStatistics(new Uint8Array(await readInput(options.input, 'input')), options.updates);
  await writeFileAtomic(options.out, bytes, { argument: 'out' });
  return bytes;
}
