import { BnValueError, describeValue } from '@bnkit/core';
import { writeFileAtomic } from '@bnkit/core/node';
import { parseModelProto } from '@bnkit/onnx';
import { externalDataFromFolder } from '@bnkit/onnx/node';
import { readFile } from 'node:fs/promises';
import { applyRecalibration, type RecalibrationReport } from './apply-statistics.js';
import { calibrationDataFromFolder } from './calibration-folder.js';
import { analyseGraph, planCompute } from './graph-analysis.js';
import { checkPartial, mergePartials, toPartial, type PartialStatistics } from './partial-statistics.js';
import { computeRecalibration, type RecalibrationMode, type RecalibrationProgress, type Shard } from './recalibrate.js';
import { recalibrationReportHtml } from './report-html.js';

/** Options of `recalibrateFile`, those of `bnkit recalibrate`. */
export interface RecalibrateFileOptions {
  /** The .onnx model. */
  model: string;
  /** The calibration folder (not with `merge`). */
  data?: string;
  /** The recalibrated model to write (not with `shard`). */
  out?: string;
  /** Default `train`. */
  mode?: RecalibrationMode;
  /** Compute only this shard and write its partial statistics to `partial` (train mode). */
  shard?: Shard;
  partial?: string;
  /** Merge these partial files instead of reading data. */
  merge?: readonly string[];
  /** Write the report as JSON here. */
  json?: string;
  /** Write the report as an HTML page here. */
  html?: string;
  onProgress?: (progress: RecalibrationProgress) => void;
}

/** What `recalibrateFile` did: the report (not for a shard) or the shard's partial statistics. */
export interface RecalibrateFileResult {
  report?: RecalibrationReport;
  partial?: PartialStatistics;
}

async function readBytes(path: string, argument: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new BnValueError(argument, 'a readable file', `${describeValue(path)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** The graph inputs the BN nodes depend on, which the data folder must hold. */
function neededInputs(bytes: Uint8Array): string[] {
  const analysis = analyseGraph(parseModelProto(bytes, 'model'));
  return planCompute(analysis, analysis.batchNorms.map((s) => s.y), new Set(analysis.graphInputs), new Set(analysis.batchNorms.map((s) => s.index))).reads;
}

async function writeReport(report: RecalibrationReport, options: RecalibrateFileOptions): Promise<void> {
  if (options.json !== undefined && options.json !== '-') await writeFileAtomic(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.html !== undefined) await writeFileAtomic(options.html, recalibrationReportHtml(report, `BN recalibration of ${options.model}`));
}

/**
 * `bnkit recalibrate` on files: reads the model (and its external data, never outside its
 * folder) and the calibration folder, checks every file before any work, recalibrates, and
 * writes the model to `out` atomically (only BN statistics change), with the report as JSON and
 * HTML when asked. With `shard` it writes only the shard's partial statistics to `partial`;
 * with `merge` it merges partial files instead of reading data.
 * @throws BnValueError for a missing or contradictory option, unreadable files, data that does
 *   not fit the model (naming the file), partials of another model or an incomplete set of shards;
 *   the errors of `computeRecalibration` and `applyRecalibration`.
 */
export async function recalibrateFile(options: RecalibrateFileOptions): Promise<RecalibrateFileResult> {
  const bytes = await readBytes(options.model, 'model');
  const externalData = externalDataFromFolder(options.model);
  if (options.merge !== undefined) {
    if (options.out === undefined) throw new BnValueError('--out', 'the model to write with the merged statistics', 'none');
    const partials: PartialStatistics[] = [];
    for (const file of options.merge) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(await readBytes(file, '--merge')));
      } catch (error) {
        if (error instanceof BnValueError) throw error;
        throw new BnValueError(file, 'a JSON partial-statistics file', (error as Error).message);
      }
      partials.push(checkPartial(parsed, file));
    }
    const merged = applyRecalibration(bytes, mergePartials(bytes, partials, options.merge), externalData);
    await writeFileAtomic(options.out, merged.bytes);
    await writeReport(merged.report, options);
    return { report: merged.report };
  }
  if (options.data === undefined) throw new BnValueError('--data', 'a folder of calibration batches', 'none');
  const data = await calibrationDataFromFolder(options.data, neededInputs(bytes));
  if (options.shard !== undefined) {
    if (options.partial === undefined) throw new BnValueError('--partial', 'the file to write the shard\'s partial statistics to', 'none');
    const statistics = await computeRecalibration(bytes, { data, mode: options.mode ?? 'train', shard: options.shard, externalData, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    const partial = toPartial(bytes, statistics, options.shard);
    await writeFileAtomic(options.partial, `${JSON.stringify(partial)}\n`);
    return { partial };
  }
  if (options.out === undefined) throw new BnValueError('--out', 'the recalibrated model to write', 'none');
  const statistics = await computeRecalibration(bytes, { data, mode: options.mode ?? 'train', externalData, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const result = applyRecalibration(bytes, statistics, externalData);
  await writeFileAtomic(options.out, result.bytes);
  await writeReport(result.report, options);
  return { report: result.report };
}
