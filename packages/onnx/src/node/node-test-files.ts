import { BnValueError, describeValue, type GoldenCase } from '@bnkit/core';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeStaleTemporaries, temporaryPath, trackTemporary } from '@bnkit/core/node';
import { OnnxFormatError } from '../errors.js';
import { goldenCaseToNodeTest, type NodeTestOptions } from '../node-test-build.js';
import type { NodeTestData, NodeTestDataSet } from '../node-test-data.js';
import { nodeTestToGoldenCases, type ReadNodeTestOptions } from '../node-test-read.js';
import { decodeTensor, encodeTensor } from '../tensor-codec.js';

/** Options of writing a node-test directory. */
export interface WriteNodeTestOptions {
  /** Replace an existing directory; default false (an existing path is an error). */
  overwrite?: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes `model.onnx` and `test_data_set_<k>/input_<i>.pb`, `output_<i>.pb` (serialized
 * TensorProtos) into `dir`, the layout of the ONNX project's backend node tests. The directory is
 * built under a temporary name next to `dir` and renamed into place, so `dir` is either absent,
 * left as it was, or complete; the temporary directory is removed on failure and on SIGINT,
 * SIGTERM or SIGHUP, and one a killed process left is removed by the next write of `dir` (see
 * `writeFileAtomic` of `@bnkit/core/node`). With `overwrite`, only a directory is replaced (never
 * a file, a special file or a symbolic link).
 * @throws BnValueError when `dir` exists and `overwrite` is not set, or exists and is not a
 *   directory; the file system's errors.
 */
export async function writeNodeTestDirectory(data: NodeTestData, dir: string, options: WriteNodeTestOptions = {}): Promise<void> {
  const existing = await lstat(dir).catch(() => undefined);
  if (existing !== undefined && !options.overwrite) {
    throw new BnValueError('dir', 'a path that does not exist yet (or overwrite: true)', `${describeValue(basename(dir))} exists`);
  }
  if (existing !== undefined && (existing.isSymbolicLink() || !existing.isDirectory())) {
    // Only a directory is replaced: overwriting must not destroy a file, a device or a link.
    throw new BnValueError('dir', 'an existing directory to overwrite, or a path that does not exist yet', `${describeValue(dir)} is ${existing.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}`);
  }
  await removeStaleTemporaries(dir);
  const temporary = temporaryPath(dir);
  const untrack = trackTemporary(temporary);
  try {
    await mkdir(temporary);
    await writeFile(join(temporary, 'model.onnx'), data.model);
    for (const [k, set] of data.dataSets.entries()) {
      const setDir = join(temporary, `test_data_set_${k}`);
      await mkdir(setDir);
      for (const [i, t] of set.inputs.entries()) await writeFile(join(setDir, `input_${i}.pb`), encodeTensor(t));
      for (const [i, t] of set.outputs.entries()) await writeFile(join(setDir, `output_${i}.pb`), encodeTensor(t));
    }
    if (await exists(dir)) {
      // Not a tracked temporary: should the process die between the renames, the old tests stay here.
      const old = join(dirname(dir), `.${basename(dir)}.${process.pid}.${randomBytes(4).toString('hex')}.old`);
      await rename(dir, old);
      await rename(temporary, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temporary, dir);
    }
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  } finally {
    untrack();
  }
}

/** Files named `<prefix>_<k>.pb`, by k. */
async function numbered(dir: string, prefix: string): Promise<string[]> {
  const pattern = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  const names = (await readdir(dir)).filter((n) => pattern.test(n));
  const index = (n: string) => Number(pattern.exec(n)?.[1]);
  return names.sort((a, b) => index(a) - index(b)).map((n) => join(dir, n));
}

async function readTensors(paths: readonly string[]) {
  const tensors = [];
  for (const path of paths) {
    try {
      tensors.push(decodeTensor(await readFile(path)));
    } catch (error) {
      if (error instanceof OnnxFormatError) throw new OnnxFormatError(basename(path), error.expected, error.actual);
      throw error;
    }
  }
  return tensors;
}

/**
 * Reads an ONNX node-test directory: `model.onnx` and every `test_data_set_<k>` in order of k.
 * @throws OnnxFormatError for a missing or malformed model or tensor file (named in the error);
 *   the file system's errors for an unreadable directory.
 */
export async function readNodeTestDirectory(dir: string): Promise<NodeTestData> {
  const modelPath = join(dir, 'model.onnx');
  if (!(await exists(modelPath))) throw new OnnxFormatError('model.onnx', 'a file in the node-test directory', 'missing');
  const model = new Uint8Array(await readFile(modelPath));
  const sets = (await readdir(dir)).filter((n) => /^test_data_set_\d+$/.test(n));
  sets.sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)));
  const dataSets: NodeTestDataSet[] = [];
  for (const name of sets) {
    const setDir = join(dir, name);
    dataSets.push({ inputs: await readTensors(await numbered(setDir, 'input')), outputs: await readTensors(await numbered(setDir, 'output')) });
  }
  return { model, dataSets };
}

/**
 * Writes a golden case as an ONNX node-test directory (see `goldenCaseToNodeTest` and
 * `writeNodeTestDirectory`). Nothing is written when the case cannot be mapped.
 * @throws BnValueError, BnShapeError as those functions do.
 */
export async function writeGoldenCaseNodeTest(c: GoldenCase, dir: string, options: NodeTestOptions & WriteNodeTestOptions = {}): Promise<void> {
  await writeNodeTestDirectory(goldenCaseToNodeTest(c, options), dir, options);
}

/**
 * Reads an ONNX BatchNormalization node-test directory as golden cases (see `nodeTestToGoldenCases`).
 * @throws OnnxFormatError, BnShapeError as `readNodeTestDirectory` and `nodeTestToGoldenCases` do.
 */
export async function readNodeTestGoldenCases(dir: string, options: ReadNodeTestOptions = {}): Promise<GoldenCase[]> {
  return nodeTestToGoldenCases(await readNodeTestDirectory(dir), options);
}
