import { BnValueError, describeValue } from '@bnkit/core';
import { parseModelProto } from '@bnkit/onnx';
import { externalDataFromFolder } from '@bnkit/onnx/node';
import { readFile } from 'node:fs/promises';
import { calibrationDataFromFolder } from './calibration-folder.js';
import { loadCapture } from './capture-files.js';
import { captureFromModel } from './capture-source.js';
import { compareCapture, type ComparisonReport } from './compare.js';

/** Options of `compareFile`, those of `bnkit compare`. */
export interface CompareFileOptions {
  /** The .onnx model (not with `load`). */
  model?: string;
  /** A folder of input batches (`.npy`/`.pb`, as `bnkit recalibrate --data` reads); default: seeded random inputs. */
  data?: string;
  /** Batches of random inputs when no data is given; default 1. */
  randomBatches?: number;
  /** Seed of the random inputs; default 1. */
  seed?: number;
  /** Backends to recompute each node with (see `CompareCaptureOptions.backends`). */
  backends?: readonly string[];
  /** Save the capture to this folder. */
  save?: string;
  /** Replay a capture saved with `save` instead of running a model. */
  load?: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * `bnkit compare` on files: reads the model (and its external data, never outside its folder)
 * and the data folder, or a saved capture, and compares every BN node (`compareCapture`).
 * @throws BnValueError for a missing or contradictory option or unreadable files; the errors of
 *   `captureFromModel`, `loadCapture` and `compareCapture`.
 */
export async function compareFile(options: CompareFileOptions): Promise<ComparisonReport> {
  const compare = { ...(options.backends ? { backends: options.backends } : {}), ...(options.save !== undefined ? { save: options.save } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
  if (options.load !== undefined) {
    if (options.model !== undefined || options.data !== undefined) throw new BnValueError('--load', 'no MODEL and no --data (the saved capture holds both)', 'given');
    return compareCapture(await loadCapture(options.load), compare);
  }
  if (options.model === undefined) throw new BnValueError('MODEL', 'an .onnx model (or --load DIR)', 'none');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(options.model));
  } catch (error) {
    throw new BnValueError('MODEL', 'a readable file', `${describeValue(options.model)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const proto = parseModelProto(bytes, 'model');
  const initializers = new Set((proto.graph?.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = (proto.graph?.input ?? []).map((v) => v.name ?? '').filter((name) => !initializers.has(name));
  const source = await captureFromModel(bytes, {
    externalData: externalDataFromFolder(options.model),
    ...(options.data !== undefined ? { data: await calibrationDataFromFolder(options.data, inputs) } : {}),
    ...(options.randomBatches !== undefined ? { randomBatches: options.randomBatches } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  try {
    return await compareCapture(source, compare);
  } finally {
    await source.release();
  }
}
