import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory of the CLI. */
export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The repository root. */
export const repoRoot = join(packageDir, '..', '..');

/** What a run of the built CLI printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/bin.js ...args` (built by the global setup) without colours and returns its output. */
export function runBnkit(args: readonly string[], cwd = repoRoot): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageDir, 'dist', 'bin.js'), ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', BNKIT_DEBUG: '' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
