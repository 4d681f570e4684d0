import { WebAssembly } from './webassembly-globals.js';
import { BnValueError, describeValue } from '@bnkit/core';

const ALIGN = 64;
const PAGE = 65536;
// The first page stays unused: the kernels' module owns no data, but address 0 is kept out of reach.
const RESERVED = PAGE;

/** Where an arena's memory comes from. */
export interface WasmArenaOptions {
  /** Shared (default: seen by every worker thread, never detached) or private to this thread. */
  shared?: boolean;
}

/**
 * A `WebAssembly.Memory` and a first-fit allocator over it. Arrays allocated here are seen
 * without copying by the WebAssembly kernels (on every thread, for a shared memory); the backend
 * recognises them by their buffer. Growing a shared memory never invalidates earlier views.
 * Every array `allocateFloat32` returns is tracked by identity, so freeing it twice, or freeing a
 * view it did not return, is a typed error and never frees memory that a later allocation holds.
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly sizes = new Map<number, number>();
  /** Arrays from allocateFloat32 not yet freed, with their byte offset. */
  private readonly live = new WeakMap<ArrayBufferView, number>();
  /** Arrays from allocateFloat32 already freed (to name a second free as such). */
  private readonly released = new WeakSet<ArrayBufferView>();
  /** Free ranges [start, end) in bytes, sorted by start, never adjacent. */
  private free: { start: number; end: number }[] = [];

  constructor(pages: { initial: number; maximum: number }, options: WasmArenaOptions = {}) {
    this.memory = new WebAssembly.Memory({ initial: pages.initial, maximum: pages.maximum, shared: options.shared ?? true });
    this.buffers.add(this.memory.buffer);
    this.free.push({ start: RESERVED, end: this.memory.buffer.byteLength });
  }

  /** The memory's current buffer (a new object after each growth). */
  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /** True when `array` is a view into this memory. */
  owns(array: ArrayBufferView): boolean {
    return this.buffers.has(array.buffer);
  }

  /**
   * Reserves `bytes` (rounded up to 64) and returns the byte offset, growing the memory when needed.
   * @throws BnValueError when `bytes` is not a positive integer or the memory cannot grow further.
   */
  allocateBytes(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 1) throw new BnValueError('length', 'a positive integer', describeValue(bytes));
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    let index = this.free.findIndex((r) => r.end - r.start >= size);
    if (index < 0) {
      this.grow(size);
      index = this.free.findIndex((r) => r.end - r.start >= size);
    }
    const range = this.free[index] as { start: number; end: number };
    const start = range.start;
    range.start += size;
    if (range.start === range.end) this.free.splice(index, 1);
    this.sizes.set(start, size);
    return start;
  }

  /** Returns a range from `allocateBytes` (internal use: the caller guarantees it is allocated). */
  freeBytes(pointer: number): void {
    const size = this.sizes.get(pointer);
    if (size === undefined) return;
    this.sizes.delete(pointer);
    const range = { start: pointer, end: pointer + size };
    let i = this.free.findIndex((r) => r.start > pointer);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, range);
    this.coalesce(i);
  }

  /**
   * A Float32Array of `length` elements in this memory, zero-filled, tracked until `freeFloat32`.
   * @throws BnValueError as `allocateBytes`.
   */
  allocateFloat32(length: number): Float32Array {
    return this.allocateView(length, (buffer, pointer) => new Float32Array(buffer, pointer, length));
  }

  /** As `allocateFloat32`, with the view made by `view` (e.g. a subclass of Float32Array), zero-filled when `zero`. */
  allocateView<T extends Float32Array>(length: number, view: (buffer: ArrayBufferLike, pointer: number) => T, zero = true): T {
    const pointer = this.allocateBytes(length * 4);
    const array = view(this.memory.buffer, pointer);
    if (zero) array.fill(0);
    this.live.set(array, pointer);
    return array;
  }

  /** Whether `array` is an allocation of this arena not yet freed. */
  isLive(array: ArrayBufferView): boolean {
    return this.live.has(array);
  }

  /**
   * Returns an array from `allocateFloat32` to the memory.
   * @throws BnValueError when `array` is not such an array: a second free of one, a view of this
   *   memory that allocateFloat32 did not return (a subarray), or not a view of this memory.
   */
  freeFloat32(array: ArrayBufferView): void {
    const pointer = this.live.get(array);
    if (pointer === undefined) {
      const expected = 'an array returned by allocate() (or as an output) and not freed yet';
      if (this.released.has(array)) throw new BnValueError('array', expected, 'an array already freed');
      if (this.owns(array)) {
        throw new BnValueError('array', expected, `a view of the backend's memory that allocate() did not return (byteOffset ${array.byteOffset}, ${array.byteLength} bytes), e.g. a subarray`);
      }
      throw new BnValueError('array', expected, `an array outside the backend's memory: ${describeValue(array)}`);
    }
    this.live.delete(array);
    this.released.add(array);
    this.freeBytes(pointer);
  }

  private grow(size: number): void {
    const last = this.free[this.free.length - 1];
    const end = this.memory.buffer.byteLength;
    const tail = last && last.end === end ? last.end - last.start : 0;
    const pages = Math.ceil((size - tail) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      throw new BnValueError('length', `at most the free space of the WebAssembly memory`, `${size} bytes with ${end} in use`);
    }
    this.buffers.add(this.memory.buffer);
    this.free.push({ start: end, end: this.memory.buffer.byteLength });
    this.coalesce(this.free.length - 1);
  }

  private coalesce(i: number): void {
    const here = this.free[i] as { start: number; end: number };
    const next = this.free[i + 1];
    if (next && next.start === here.end) {
      here.end = next.end;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.end === here.start) {
      prev.end = here.end;
      this.free.splice(i, 1);
    }
  }
}
