import type { FloatArray } from '@bnkit/core';

/** Whether two arrays are views of the same memory (the backend knows its own memory's buffers). */
export type SameMemory = (a: FloatArray, b: FloatArray) => boolean;

/**
 * Whether `output` shares memory with `input` without being exactly the same elements: a
 * partial overlap (e.g. `x = buf.subarray(0, n)`, `y = buf.subarray(1)`), where writing the
 * output while the input is still being read would change the input. Exactly the same elements
 * (same start, length and element type) is not a partial overlap: every element is read before
 * it is written.
 */
export function overlapsPartly(output: FloatArray, input: FloatArray, sameMemory: SameMemory): boolean {
  if (!sameMemory(output, input)) return false;
  const outStart = output.byteOffset;
  const outEnd = outStart + output.byteLength;
  const inStart = input.byteOffset;
  const inEnd = inStart + input.byteLength;
  if (outEnd <= inStart || inEnd <= outStart) return false;
  return !(outStart === inStart && outEnd === inEnd && output.BYTES_PER_ELEMENT === input.BYTES_PER_ELEMENT);
}

/**
 * `input`, or a private copy of it when `output` overlaps it partly, so that the kernels read
 * the input as it was whatever they write.
 */
export function readableBeside(input: FloatArray, output: FloatArray, sameMemory: SameMemory): FloatArray {
  return overlapsPartly(output, input, sameMemory) ? input.slice() : input;
}
