import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BnValueError, describeValue } from '@bnkit/core';
import { writeFileAtomic } from '@bnkit/core/node';
import { dump, parse } from 'npyjs';
import type { PyTorchStateDict } from '../state-formats.js';

const ARRAY_KEYS = ['weight', 'bias', 'running_mean', 'running_var'] as const;
const COUNT_KEY = 'num_batches_tracked';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

function parseNpy(path: string, bytes: Uint8Array): { data: ArrayLike<number | bigint>; shape: number[] } {
  try {
    const copy = bytes.slice();
    const array = parse(copy.buffer);
    return { data: array.data as unknown as ArrayLike<number | bigint>, shape: array.shape };
  } catch (error) {
    throw new BnValueError(path, 'a .npy file', `unreadable: ${error instanceof Error ? error.message : describeValue(error)}`);
  }
}

/**
 * Reads a PyTorch state dict saved as one `.npy` per key (`weight.npy`, `bias.npy`,
 * `running_mean.npy`, `running_var.npy`, `num_batches_tracked.npy`, e.g. written in Python by
 * `numpy.save(f"{k}.npy", v.numpy())`), with npyjs. Missing keys are left out.
 * @throws BnValueError naming the file when it is not a readable .npy, an array is not 1-D, or
 *   the batch count is not a non-negative integer scalar; when the folder holds none of the keys.
 */
export async function readStateDictNpy(directory: string): Promise<PyTorchStateDict> {
  const state: PyTorchStateDict = {};
  for (const key of ARRAY_KEYS) {
    const path = join(directory, `${key}.npy`);
    if (!(await exists(path))) continue;
    const { data, shape } = parseNpy(path, await readFile(path));
    if (shape.length !== 1) throw new BnValueError(path, 'a 1-D array of C values', `shape [${shape.join(', ')}]`);
    state[key] = Array.from(data, Number);
  }
  const countPath = join(directory, `${COUNT_KEY}.npy`);
  if (await exists(countPath)) {
    const { data } = parseNpy(countPath, await readFile(countPath));
    const count = Number(data[0]);
    if (data.length !== 1 || !Number.isInteger(count) || count < 0) throw new BnValueError(countPath, 'one integer >= 0', `${data.length} values, first ${describeValue(count)}`);
    state.num_batches_tracked = count;
  }
  if (Object.keys(state).length === 0) {
    throw new BnValueError('directory', `a folder holding ${[...ARRAY_KEYS, COUNT_KEY].map((k) => `${k}.npy`).join(', ')}`, `${directory} (none of them)`);
  }
  return state;
}

/**
 * Writes a PyTorch state dict as one `.npy` per key (float32 arrays and an int64 batch count, as
 * PyTorch holds them), each file atomically.
 */
export async function writeStateDictNpy(directory: string, state: PyTorchStateDict): Promise<void> {
  for (const key of ARRAY_KEYS) {
    const values = state[key];
    if (values) await writeFileAtomic(join(directory, `${key}.npy`), new Uint8Array(dump(Float32Array.from(values), [values.length])));
  }
  if (state.num_batches_tracked !== undefined) {
    await writeFileAtomic(join(directory, `${COUNT_KEY}.npy`), new Uint8Array(dump(BigInt64Array.from([BigInt(state.num_batches_tracked)]), [])));
  }
}
