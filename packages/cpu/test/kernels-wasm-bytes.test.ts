import { describe, expect, it } from 'vitest';
import { compileKernels, renderKernelsModule } from '../scripts/compile-kernels.mjs';
import * as committed from '../src/kernels-wasm-bytes.js';
import { readFile } from 'node:fs/promises';

describe('the committed WebAssembly module', () => {
  it('equals a fresh compile of assembly/', async () => {
    const fresh = await compileKernels();
    expect(Buffer.from(committed.KERNELS_WASM_BASE64, 'base64').equals(Buffer.from(fresh.shared))).toBe(true);
    expect(Buffer.from(committed.KERNELS_PRIVATE_WASM_BASE64, 'base64').equals(Buffer.from(fresh.private))).toBe(true);
    const text = await readFile(new URL('../src/kernels-wasm-bytes.ts', import.meta.url), 'utf8');
    expect(text).toBe(renderKernelsModule(fresh));
  }, 60_000);
});
