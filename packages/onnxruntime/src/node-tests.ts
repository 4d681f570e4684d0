import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BnValueError, describeValue } from '@bnkit/core';
import { decodeTensor, type OnnxTensor } from '@bnkit/onnx';
import type * as Ort from 'onnxruntime-node';
import { checkThreads, loadOnnxruntime, sessionOptions, type OrtModule } from './ort-runtime.js';

/** An element passes when |actual - expected| <= abs + rel * |expected|. */
export interface NodeTestTolerance {
  /** Default 1e-7, the absolute tolerance of the ONNX backend tests. */
  abs?: number;
  /** Default 1e-3, the relative tolerance of the ONNX backend tests. */
  rel?: number;
}

/** Options of `runOnnxNodeTests`. */
export interface NodeTestOptions {
  tolerance?: NodeTestTolerance;
  /** Threads ONNX Runtime uses inside one operator; default 1. */
  intraOpNumThreads?: number;
}

/** The outcome of one node-test directory. */
export interface NodeTestResult {
  /** The directory's name, e.g. `test_batchnorm_epsilon`. */
  name: string;
  directory: string;
  passed: boolean;
  /** The largest |actual - expected| over every output element of every data set; Infinity when the test could not run or a shape differs. */
  maxError: number;
  /** The number of `test_data_set_N` directories run. */
  dataSets: number;
  /** Why it failed: the first element out of tolerance, or the error that stopped it. */
  reason?: string;
}

/** The numbered files `prefix_N.pb` of a directory, in the order of N. */
async function numberedFiles(directory: string, prefix: string): Promise<string[]> {
  const pattern = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  const found = (await readdir(directory)).flatMap((file) => {
    const match = pattern.exec(file);
    return match ? [{ file, index: Number(match[1]) }] : [];
  });
  return found.sort((a, b) => a.index - b.index).map(({ file }) => join(directory, file));
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function hasModel(directory: string): Promise<boolean> {
  return (await stat(join(directory, 'model.onnx')).catch(() => undefined))?.isFile() ?? false;
}

/** The test directories under `root`: itself when it holds `model.onnx`, else its subdirectories that do. */
async function testDirectories(root: string): Promise<string[]> {
  if (await hasModel(root)) return [root];
  if (!(await isDirectory(root))) throw new BnValueError('dirs', 'a node-test directory (with model.onnx) or a directory of them', describeValue(root));
  const children = (await readdir(root)).sort().map((name) => join(root, name));
  const tests: string[] = [];
  for (const child of children) if (await hasModel(child)) tests.push(child);
  // An empty list would read as "nothing failed" for a mistyped path.
  if (tests.length === 0) throw new BnValueError('dirs', 'a directory holding model.onnx or subdirectories that do', `${describeValue(root)} (none found)`);
  return tests;
}

function ortTensorOf(ort: OrtModule, tensor: OnnxTensor): Ort.Tensor {
  const values =
    tensor.dataType === 'int64'
      ? BigInt64Array.from(tensor.values as ArrayLike<number | bigint>, (v) => BigInt(v))
      : tensor.dataType === 'float64'
        ? Float64Array.from(tensor.values as ArrayLike<number>)
        : Float32Array.from(tensor.values as ArrayLike<number>);
  return new ort.Tensor(tensor.dataType, values, [...tensor.dims]);
}

/** A tensor's name when the model has an input or output of that name, else the one at its file's position. */
function bindName(tensor: OnnxTensor, names: readonly string[], index: number, kind: string): string {
  if (tensor.name !== '' && names.includes(tensor.name)) return tensor.name;
  const name = names[index];
  if (name === undefined) throw new BnValueError(`${kind}_${index}.pb`, `at most ${names.length} ${kind}s (the model's)`, `${kind} number ${index + 1}`);
  return name;
}

interface Comparison {
  maxError: number;
  failure?: string;
}

function compare(output: string, actual: Ort.Tensor | undefined, expected: OnnxTensor, tolerance: Required<NodeTestTolerance>): Comparison {
  if (!actual) return { maxError: Infinity, failure: `output ${output}: missing` };
  const dims = [...actual.dims];
  if (dims.length !== expected.dims.length || dims.some((d, i) => d !== expected.dims[i])) {
    return { maxError: Infinity, failure: `output ${output}: shape ${describeValue(dims)}, expected ${describeValue([...expected.dims])}` };
  }
  const got = actual.data as ArrayLike<number | bigint>;
  let maxError = 0;
  let failure: string | undefined;
  for (let i = 0; i < expected.values.length; i++) {
    const e = Number(expected.values[i]);
    const a = Number(got[i]);
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) {
        maxError = Infinity;
        failure ??= `output ${output}[${i}]: ${a}, expected ${e}`;
      }
      continue;
    }
    const error = Math.abs(a - e);
    maxError = Math.max(maxError, error);
    if (!(error <= tolerance.abs + tolerance.rel * Math.abs(e))) failure ??= `output ${output}[${i}]: ${a}, expected ${e} (error ${error})`;
  }
  return failure === undefined ? { maxError } : { maxError, failure };
}

async function runOne(ort: OrtModule, directory: string, tolerance: Required<NodeTestTolerance>, threads: number): Promise<NodeTestResult> {
  const name = basename(directory);
  const result: NodeTestResult = { name, directory, passed: false, maxError: 0, dataSets: 0 };
  let session: Ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(await readFile(join(directory, 'model.onnx')), sessionOptions(threads));
    const sets = (await readdir(directory)).filter((entry) => /^test_data_set_\d+$/.test(entry)).sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)));
    if (sets.length === 0) return { ...result, maxError: Infinity, reason: 'no test_data_set_N directory' };
    for (const set of sets) {
      const setDir = join(directory, set);
      const feeds: Record<string, Ort.Tensor> = {};
      for (const [i, file] of (await numberedFiles(setDir, 'input')).entries()) {
        const tensor = decodeTensor(await readFile(file));
        feeds[bindName(tensor, session.inputNames, i, 'input')] = ortTensorOf(ort, tensor);
      }
      const outputs = await session.run(feeds);
      const expectedFiles = await numberedFiles(setDir, 'output');
      if (expectedFiles.length === 0) return { ...result, maxError: Infinity, reason: `${set}: no output_N.pb file` };
      for (const [i, file] of expectedFiles.entries()) {
        const expected = decodeTensor(await readFile(file));
        const output = bindName(expected, session.outputNames, i, 'output');
        const comparison = compare(output, outputs[output] as Ort.Tensor | undefined, expected, tolerance);
        result.maxError = Math.max(result.maxError, comparison.maxError);
        if (comparison.failure !== undefined) result.reason ??= `${set}: ${comparison.failure}`;
      }
      result.dataSets++;
    }
    return { ...result, passed: result.reason === undefined };
  } catch (error) {
    return { ...result, maxError: Infinity, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  } finally {
    await session?.release();
  }
}

function checkTolerance(tolerance: NodeTestTolerance): Required<NodeTestTolerance> {
  const resolved = { abs: tolerance.abs ?? 1e-7, rel: tolerance.rel ?? 1e-3 };
  for (const key of ['abs', 'rel'] as const) {
    const value = resolved[key];
    if (!(Number.isFinite(value) && value >= 0)) throw new BnValueError(`options.tolerance.${key}`, 'a finite number >= 0', describeValue(value));
  }
  return resolved;
}

/**
 * Runs ONNX backend node tests on ONNX Runtime and compares their outputs: each test is a
 * directory with `model.onnx` and `test_data_set_N/input_M.pb`, `output_M.pb` (TensorProtos, the
 * layout of the ONNX project's own conformance tests, e.g. `test_batchnorm_epsilon`). `dirs` are
 * test directories or directories holding them (like ONNX's `backend/test/data/node`). Inputs
 * bind by tensor name, else by file position; outputs likewise. An element passes when
 * |actual - expected| <= abs + rel * |expected| (default abs 1e-7, rel 1e-3, as the ONNX backend
 * tests use); NaN must meet NaN. A test that cannot load or run is a failure with its error as
 * the reason, never skipped.
 * @returns one result per test directory, in the order given (subdirectories by name).
 * @throws BnValueError for a path that is neither, or a negative tolerance; BnBackendError when
 *   onnxruntime-node cannot be loaded.
 */
export async function runOnnxNodeTests(dirs: string | readonly string[], options: NodeTestOptions = {}): Promise<NodeTestResult[]> {
  const tolerance = checkTolerance(options.tolerance ?? {});
  const threads = checkThreads('options.intraOpNumThreads', options.intraOpNumThreads ?? 1);
  const directories: string[] = [];
  for (const root of typeof dirs === 'string' ? [dirs] : dirs) directories.push(...(await testDirectories(root)));
  const ort = await loadOnnxruntime();
  const results: NodeTestResult[] = [];
  for (const directory of directories) results.push(await runOne(ort, directory, tolerance, threads));
  return results;
}
