// The WebAssembly API Node provides, declared here because the workspace compiles against the
// ES2022 library without DOM, where it is missing. Only what this package uses is declared.
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Instance {
      constructor(module: Module, imports: Record<string, Record<string, unknown>>);
      readonly exports: Record<string, unknown>;
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
      grow(pages: number): number;
    }
    function validate(bytes: Uint8Array): boolean;
  }
}

export {};
