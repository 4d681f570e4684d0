import { WebAssembly } from './webassembly-globals.js';
import { BnValueError, describeValue } from '@bnkit/core';

const ALIGN = 64;
const PAGE = 65536;
// The first page stays unused: the kernels' module owns no data, but address 0 is kept out of reach.
const RESERVED = PAGE;

/**
 * A shared `WebAssembly.Memory` and a first-fit allocator over it. Arrays allocated here are seen
 * without copying by the WebAssembly kernels on every thread; the backend recognises them by
 * their buffer. Growing the memory never invalidates earlier views (shared memory cannot detach).
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly sizes = new Map<number, number>();
  /** Free ranges [start, end) in bytes, sorted by start, never adjacent. */
  private free: { start: number; end: number }[] = [];

  constructor(pages: { initial: number; maximum: number }) {
    this.memory = new WebAssembly.Memory({ initial: pages.initial, maximum: pages.maximum, shared: true });
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

  /** Returns a range from `allocateBytes`; a pointer that is not allocated is ignored. */
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

  /** A Float32Array of `length` elements in this memory, zero-filled. */
  allocateFloat32(length: number): Float32Array {
    const pointer = this.allocateBytes(length * 4);
    const array = new Float32Array(this.memory.buffer, pointer, length);
    array.fill(0);
    return array;
  }

  private grow(size: number): void {
    const last = this.free[this.free.length - 1];
    const end = this.memory.buffer.byteLength;
    const tail = last && last.end === end ? last.end - last.start : 0;
    const pages = Math.ceil((size - tail) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      throw new BnValueError('length', `at most the free space of the 4 GiB shared memory`, `${size} bytes with ${end} in use`);
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
