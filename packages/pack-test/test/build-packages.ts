import { execFileSync } from 'node:child_process';
import { WORKSPACE_ROOT } from './workspace-packages.js';

/**
 * Builds every workspace package (vitest globalSetup) with the workspace's own build, so the
 * tarballs hold the current sources. Turbo replays builds whose inputs did not change.
 */
export default function setup(): void {
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--concurrency=2', '--output-logs=errors-only'], {
    cwd: WORKSPACE_ROOT,
    stdio: 'inherit',
  });
}
