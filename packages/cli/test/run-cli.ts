import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory of the CLI. */
export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The repository root. */
export const repoRoot = join(packageDir, '..', '..');

/** The built CLI's entry point. */
export const binPath = join(packageDir, 'dist', 'bin.js');

/** A module of test backends, preloaded with `--import` into a run of the CLI. */
export const testBackendsModule = join(packageDir, 'test', 'fixtures', 'test-backends.mjs');

/** What a run of the built CLI printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run the CLI: working directory, extra environment, Node options before the script. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly nodeArgs?: readonly string[];
}

/**
 * Runs `node dist/bin.js ...args` (built by the global setup) without colours and returns its
 * output. The package-manager variables of the test run itself (INIT_CWD, npm_lifecycle_*) are
 * removed, so that a run is like one from a plain shell unless `env` sets them.
 */
export function runBnkit(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const { cwd = repoRoot, env = {}, nodeArgs = [] } = options;
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', BNKIT_DEBUG: '' };
  delete base['INIT_CWD'];
  delete base['npm_lifecycle_event'];
  delete base['npm_lifecycle_script'];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, binPath, ...args],
      { cwd, env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
