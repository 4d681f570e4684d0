// Build step: compiles the kernels in assembly/ and checks that the committed
// src/kernels-wasm-bytes.ts embeds exactly these bytes. It writes nothing; a stale module fails
// the build with the command that regenerates it.
import { readFile } from 'node:fs/promises';
import { compileKernels, renderKernelsModule } from './compile-kernels.mjs';

const target = new URL('../src/kernels-wasm-bytes.ts', import.meta.url);
const fresh = renderKernelsModule(await compileKernels());
const committed = await readFile(target, 'utf8');
if (committed !== fresh) {
  process.stderr.write('src/kernels-wasm-bytes.ts does not match a fresh compile of assembly/: run `pnpm --filter @bnkit/cpu kernels` and commit the result\n');
  process.exit(1);
}
process.stdout.write('kernels: src/kernels-wasm-bytes.ts matches assembly/\n');
