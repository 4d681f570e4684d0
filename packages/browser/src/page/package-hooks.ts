/** URL prefixes under which the runner serves engine binaries (see `asset-directories.ts`). */
export const ASSET_PREFIXES = {
  tfjsWasm: '/assets/tfjs-backend-wasm/',
  /** Where the page's chunks are served; the bundled files take precedence over a directory here. */
  pageChunks: '/page/',
} as const;

type Module = Readonly<Record<string, unknown>>;

function call<T>(module: Module, name: string, ...args: unknown[]): T {
  const fn = module[name];
  if (typeof fn !== 'function') throw new Error(`the bundled package has no function ${name}`);
  return (fn as (...a: unknown[]) => T)(...args);
}

/**
 * What the page does with a backend package right after importing it: tell it where the runner
 * serves its engine's binaries (a page, unlike Node, has no installed package directory to find
 * them in).
 */
export const PACKAGE_SETUP: Readonly<Record<string, (module: Module) => void>> = {
  '@bnkit/tfjs': (module) => call(module, 'setTfjsWasmPaths', ASSET_PREFIXES.tfjsWasm),
};

/** Facts a backend's package can tell about this browser, reported next to its results. */
export const BACKEND_NOTES: Readonly<Record<string, { packageName: string; notes: (module: Module) => Record<string, string> }>> = {
  'tfjs-webgl': {
    packageName: '@bnkit/tfjs',
    notes: (module) => {
      const precision = call<{ webglVersion: number; renderFloat32Capable: boolean; forceFloat16Textures: boolean; textures: string }>(module, 'tfjsWebglPrecision');
      return {
        computesIn: `${precision.textures} textures`,
        flags: `WEBGL_VERSION ${precision.webglVersion}, WEBGL_RENDER_FLOAT32_CAPABLE ${precision.renderFloat32Capable}, WEBGL_FORCE_F16_TEXTURES ${precision.forceFloat16Textures}`,
      };
    },
  },
};
