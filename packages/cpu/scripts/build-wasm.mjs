// Build step: compiles the WebAssembly kernels and writes src/kernels-wasm-bytes.ts through a
// temporary file and a rename, so an interrupted build never leaves a half-written module.
import { rename, writeFile } from 'node:fs/promises';
import { compileKernels, renderKernelsModule } from './compile-kernels.mjs';

const target = new URL('../src/kernels-wasm-bytes.ts', import.meta.url);
const temporary = new URL(`../src/kernels-wasm-bytes.ts.${process.pid}.tmp`, import.meta.url);
const builds = await compileKernels();
await writeFile(temporary, renderKernelsModule(builds));
await rename(temporary, target);
process.stdout.write(`kernels: ${builds.shared.length} + ${builds.private.length} bytes of WebAssembly\n`);
