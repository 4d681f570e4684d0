// The part of the WebAssembly JavaScript API this package uses, typed here and imported where it
// is used. The workspace compiles against the ES2022 library, which has no WebAssembly; declaring
// it globally would clash with the DOM library's own declarations in a consumer's program (for
// `tsc` with `skipLibCheck: false`), so the types stay local to this package's modules.

/** The WebAssembly types of this package (a subset of the standard's). */
// The namespace holds types only and merges with the constant below, so `WebAssembly.Memory`
// names a type and `new WebAssembly.Memory(...)` calls the engine's constructor.
export declare namespace WebAssembly {
  /** A compiled module (opaque here: it is only passed back to the engine). */
  type Module = object;
  /** An instantiated module. */
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  /** A linear memory, shared between threads when created with `shared: true`. */
  interface Memory {
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(pages: number): number;
  }
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WebAssembly.Module;
  Instance: new (module: WebAssembly.Module, imports: Record<string, Record<string, unknown>>) => WebAssembly.Instance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WebAssembly.Memory;
  validate(bytes: Uint8Array): boolean;
}

/**
 * The engine's global `WebAssembly` object (undefined where the engine has none: check with
 * `typeof WebAssembly === 'object'` before use).
 */
export const WebAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
