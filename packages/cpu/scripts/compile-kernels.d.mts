/** Pages of the shared memory the kernels import. */
export declare const INITIAL_PAGES: number;
export declare const MAXIMUM_PAGES: number;
/** The two builds of the kernels: over a shared memory and over an ordinary one. */
export interface KernelBuilds {
  shared: Uint8Array;
  private: Uint8Array;
}
/** Compiles assembly/index.ts twice and returns both WebAssembly binaries. */
export declare function compileKernels(): Promise<KernelBuilds>;
/** Renders the TypeScript module that embeds both binaries as base64. */
export declare function renderKernelsModule(builds: KernelBuilds): string;
