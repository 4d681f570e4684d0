import { BnValueError, describeValue } from '@bnkit/core';
import { decodeTensor } from '@bnkit/onnx';
import { parse as parseNpy } from 'npyjs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { CalibrationData, CalibrationTensor } from './calibration-data.js';

const EXTENSIONS = new Set(['.npy', '.pb']);

async function batchFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(dir, name));
}

const NPY_TYPES: Readonly<Record<string, CalibrationTensor['dataType']>> = { f4: 'float32', f8: 'float64', i8: 'int64' };

/**
 * Reads one batch file: a NumPy `.npy` array (float32, float64 or int64, C order; parsed by
 * npyjs) or a serialized ONNX TensorProto `.pb` (float32, float64 or int64).
 * @throws BnValueError naming the file when it cannot be read or holds another type.
 */
export async function readBatchFile(path: string): Promise<CalibrationTensor> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new BnValueError(path, 'a readable calibration file', (error as NodeJS.ErrnoException).code ?? String(error));
  }
  if (extname(path).toLowerCase() === '.pb') {
    try {
      const tensor = decodeTensor(new Uint8Array(bytes));
      const data = tensor.dataType === 'int64' ? BigInt64Array.from(tensor.values as readonly bigint[]) : (tensor.values as Float32Array | Float64Array);
      return { dataType: tensor.dataType, dims: tensor.dims, data };
    } catch (error) {
      throw new BnValueError(path, 'an ONNX TensorProto of float32, float64 or int64', (error as Error).message);
    }
  }
  let array: ReturnType<typeof parseNpy>;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    array = parseNpy(buffer, { convertFloat16: false });
  } catch (error) {
    throw new BnValueError(path, 'a NumPy .npy file', (error as Error).message);
  }
  const dataType = NPY_TYPES[array.dtype];
  if (dataType === undefined) throw new BnValueError(path, 'a .npy array of float32 (<f4), float64 (<f8) or int64 (<i8)', `dtype ${array.dtype}`);
  if (array.fortranOrder) throw new BnValueError(path, 'a .npy array in C order', 'Fortran order (save it with np.ascontiguousarray)');
  return { dataType, dims: array.shape, data: array.data as Float32Array | Float64Array | BigInt64Array };
}

/**
 * Calibration data from a folder, one batch per file in name order (`.npy` and/or `.pb`). For a
 * model with several inputs the folder holds one sub-folder per input name, each with the same
 * number of files; for one input, the files may also sit in the folder itself.
 * @throws BnValueError when the folder cannot be read, holds no batch files, lacks a sub-folder
 *   for an input, or the sub-folders hold different numbers of files.
 */
export async function calibrationDataFromFolder(dir: string, inputs: readonly string[]): Promise<CalibrationData> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('ENOTDIR');
  } catch {
    throw new BnValueError('--data', 'a folder of .npy or .pb files', describeValue(dir));
  }
  const files = new Map<string, string[]>();
  for (const input of inputs) {
    const sub = join(dir, input);
    const isSub = await stat(sub).then((s) => s.isDirectory(), () => false);
    if (!isSub && inputs.length > 1) {
      throw new BnValueError('--data', `one sub-folder per model input (${inputs.map((n) => describeValue(n)).join(', ')})`, `no folder ${describeValue(sub)}`);
    }
    const list = await batchFiles(isSub ? sub : dir);
    if (list.length === 0) throw new BnValueError('--data', 'at least one .npy or .pb file per input', `none in ${describeValue(isSub ? sub : dir)}`);
    files.set(input, list);
  }
  const counts = [...files.values()].map((l) => l.length);
  const batches = counts[0] ?? 0;
  if (counts.some((n) => n !== batches)) {
    throw new BnValueError('--data', 'the same number of batch files for every input', describeValue(Object.fromEntries([...files].map(([k, v]) => [k, v.length]))));
  }
  return {
    inputs,
    batches,
    describe: (i, input) => files.get(input)?.[i] ?? `batch ${i}`,
    async read(i) {
      const batch: Record<string, CalibrationTensor> = {};
      for (const [input, list] of files) batch[input] = await readBatchFile(list[i] as string);
      return batch;
    },
  };
}
