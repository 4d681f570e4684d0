import type { Backend } from '@bnkit/core';

/**
 * A backend that hands out arrays in its own memory (as `@bnkit/cpu` does with a shared
 * WebAssembly memory): tensors allocated there are processed in place and across threads.
 */
export interface AllocatingBackend extends Backend {
  allocate(length: number): Float32Array;
  free(array: Float32Array): void;
}

/** True when the backend offers `allocate` and `free`. */
export function isAllocating(backend: Backend): backend is AllocatingBackend {
  const fields = backend as unknown as Record<string, unknown>;
  return typeof fields.allocate === 'function' && typeof fields.free === 'function';
}

/**
 * Buffers a layer owns, in the backend's memory when it has one, plain arrays otherwise.
 * A buffer of a given role is kept while its length stays the same and replaced when it changes.
 */
export class LayerBuffers {
  private readonly held = new Map<string, Float32Array>();

  constructor(private readonly backend: Backend) {}

  /** The buffer of `role` with `length` elements, zero-filled when new. */
  get(role: string, length: number): Float32Array {
    const current = this.held.get(role);
    if (current?.length === length) return current;
    if (current) this.release(current);
    const fresh = isAllocating(this.backend) ? this.backend.allocate(length) : new Float32Array(length);
    this.held.set(role, fresh);
    return fresh;
  }

  /** Whether the backend processes arrays of its own memory faster than others. */
  get inBackendMemory(): boolean {
    return isAllocating(this.backend);
  }

  /** Returns every buffer to the backend's memory. */
  releaseAll(): void {
    for (const buffer of this.held.values()) this.release(buffer);
    this.held.clear();
  }

  private release(buffer: Float32Array): void {
    if (isAllocating(this.backend)) this.backend.free(buffer);
  }
}
