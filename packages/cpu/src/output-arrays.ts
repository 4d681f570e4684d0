import type { WasmArena } from './wasm-arena.js';

/**
 * A Float32Array in the backend's memory that the backend allocated for an output (y or dx) the
 * caller did not pass. Its memory returns to the backend when `free` is called on it, or else
 * when it is garbage collected; a view made by its `subarray` keeps it alive, so such a view
 * never outlives the memory it reads.
 */
export class BackendFloat32Array extends Float32Array<ArrayBufferLike> {
  #parent: Float32Array | undefined;

  /** A view of part of this array that keeps this array (and so its memory) alive. */
  override subarray(begin?: number, end?: number): Float32Array<ArrayBufferLike> {
    const view = super.subarray(begin, end) as BackendFloat32Array;
    view.#parent = this;
    return view;
  }
}

/** Bytes of outputs the backend may hold in its memory for callers before it allocates plain arrays. */
export const OUTPUT_BUDGET_BYTES = 512 * 1024 * 1024;

/**
 * Outputs smaller than this (64 KiB) are plain arrays: a small fresh buffer costs less than an
 * allocation in the backend's memory and its tracking (measured: 1.4 against 3 us per call on
 * [2,4]), and it stays in cache, so it pays no page faults worth avoiding.
 */
export const OUTPUT_MIN_BYTES = 64 * 1024;

/**
 * Allocates outputs for callers who pass none: in the backend's memory (written in place by the
 * kernels, on every thread when the inputs are there too; no page faults of a fresh buffer),
 * released by `free` or by garbage collection. The memory held this way is capped at `budget`
 * bytes, because the garbage collector does not see it: past the cap, and until collected
 * outputs are released, an output is a plain Float32Array; so is an output smaller than
 * `OUTPUT_MIN_BYTES`.
 */
export class OutputArrays {
  private held = 0;
  private readonly bytes = new WeakMap<Float32Array, number>();
  private readonly registry: FinalizationRegistry<{ pointer: number; bytes: number }>;

  constructor(
    private readonly arena: WasmArena,
    private readonly budget: number = OUTPUT_BUDGET_BYTES,
    private readonly minBytes: number = OUTPUT_MIN_BYTES,
  ) {
    this.registry = new FinalizationRegistry(({ pointer, bytes }) => {
      this.held -= bytes;
      arena.freeBytes(pointer);
    });
  }

  /** A Float32Array of `length` elements, not zero-filled (the kernels write every element). */
  float32(length: number): Float32Array {
    const bytes = length * 4;
    if (bytes < this.minBytes || this.held + bytes > this.budget) return new Float32Array(length);
    const array = this.arena.allocateView(length, (buffer, pointer) => new BackendFloat32Array(buffer, pointer, length), false);
    this.held += bytes;
    this.bytes.set(array, bytes);
    this.registry.register(array, { pointer: array.byteOffset, bytes }, array);
    return array;
  }

  /** Stops tracking an output the caller frees explicitly; false when `array` is not one. */
  forget(array: Float32Array): boolean {
    const bytes = this.bytes.get(array);
    if (bytes === undefined) return false;
    this.bytes.delete(array);
    this.registry.unregister(array);
    this.held -= bytes;
    return true;
  }
}
