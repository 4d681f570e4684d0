import { BnValueError, describeValue } from '@bnkit/core';

/** Element types calibration data can hold. */
export type CalibrationDataType = 'float32' | 'float64' | 'int64';

/** One input tensor of one batch, row-major. */
export interface CalibrationTensor {
  dataType: CalibrationDataType;
  dims: readonly number[];
  data: Float32Array | Float64Array | BigInt64Array;
}

/**
 * Calibration batches: every batch holds one tensor per listed input. Batches are read on demand
 * (a pass reads each batch once), so a data set larger than memory can be used.
 */
export interface CalibrationData {
  /** The graph input names each batch feeds. */
  readonly inputs: readonly string[];
  /** The number of batches. */
  readonly batches: number;
  /** What to call batch `i` (and input `input`) in messages: its file, for data read from a folder. */
  describe(i: number, input: string): string;
  /** Reads batch `i` (0-based). */
  read(i: number): Promise<Record<string, CalibrationTensor>>;
}

/** A model input as declared: name, element type (ONNX number) and shape (a string dim is symbolic, '' unknown). */
export interface DeclaredInput {
  name: string;
  elemType: number;
  shape: readonly (number | string)[] | undefined;
}

const ELEM_TYPES: Readonly<Record<CalibrationDataType, number>> = { float32: 1, int64: 7, float64: 11 };

/** The ONNX element type number of a calibration element type. */
export function calibrationElemType(dataType: CalibrationDataType): number {
  return ELEM_TYPES[dataType];
}

/** Calibration data held in memory (for tests and library callers with tensors at hand). */
export function calibrationDataFromBatches(batches: readonly Record<string, CalibrationTensor>[]): CalibrationData {
  const inputs = Object.keys(batches[0] ?? {});
  return {
    inputs,
    batches: batches.length,
    describe: (i, input) => `batch ${i} input ${describeValue(input)}`,
    read: (i) => Promise.resolve(batches[i] as Record<string, CalibrationTensor>),
  };
}

/**
 * Checks one tensor against a model input: same element type, same rank, equal fixed dims, and
 * as many values as its dims say.
 * @throws BnValueError naming `where` (the file) with the expected and found type or shape.
 */
export function checkCalibrationTensor(tensor: CalibrationTensor, input: DeclaredInput, where: string): void {
  if (calibrationElemType(tensor.dataType) !== input.elemType) {
    const expected = Object.entries(ELEM_TYPES).find(([, n]) => n === input.elemType)?.[0] ?? `ONNX element type ${input.elemType}`;
    throw new BnValueError(where, `${expected} data for model input ${describeValue(input.name)}`, `${tensor.dataType} data`);
  }
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) throw new BnValueError(where, `${count} values (the product of its dims)`, `${tensor.data.length} values`);
  const shape = input.shape;
  if (shape === undefined) return;
  const fits = shape.length === tensor.dims.length && shape.every((d, i) => typeof d !== 'number' || d <= 0 || d === tensor.dims[i]);
  if (!fits) {
    const declared = `[${shape.map((d) => (d === '' ? '?' : d)).join(', ')}]`;
    throw new BnValueError(where, `a tensor of shape ${declared} for model input ${describeValue(input.name)}`, `shape [${tensor.dims.join(', ')}]`);
  }
}

/**
 * Reads every batch once and checks it against the model's inputs, before any work is done.
 * @throws BnValueError naming the file (or batch) that does not fit, or a missing input.
 */
export async function checkCalibrationData(data: CalibrationData, inputs: readonly DeclaredInput[]): Promise<void> {
  for (const input of inputs) {
    if (!data.inputs.includes(input.name)) {
      throw new BnValueError('calibration data', `data for model input ${describeValue(input.name)}`, `data for ${describeValue([...data.inputs])}`);
    }
  }
  if (data.batches === 0) throw new BnValueError('calibration data', 'at least one batch', 'none');
  for (let i = 0; i < data.batches; i++) {
    const batch = await data.read(i);
    for (const input of inputs) {
      const tensor = batch[input.name];
      if (!tensor) throw new BnValueError(data.describe(i, input.name), `a tensor for input ${describeValue(input.name)}`, 'none');
      checkCalibrationTensor(tensor, input, data.describe(i, input.name));
    }
  }
}
