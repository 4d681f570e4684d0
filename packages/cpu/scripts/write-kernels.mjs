// Regenerates src/kernels-wasm-bytes.ts from assembly/ (`pnpm --filter @bnkit/cpu kernels`),
// through a temporary file and a rename, so an interrupted run never leaves a half-written
// module. Run by hand after changing a kernel; the build only checks (check-kernels.mjs).
import { rename, writeFile } from 'node:fs/promises';
import { compileKernels, renderKernelsModule } from './compile-kernels.mjs';

const target = new URL('../src/kernels-wasm-bytes.ts', import.meta.url);
const temporary = new URL(`../src/kernels-wasm-bytes.ts.${process.pid}.tmp`, import.meta.url);
const builds = await compileKernels();
await writeFile(temporary, renderKernelsModule(builds));
await rename(temporary, target);
process.stdout.write(`kernels: ${builds.shared.length} + ${builds.private.length} bytes of WebAssembly written to src/kernels-wasm-bytes.ts\n`);
