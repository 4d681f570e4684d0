import { statSync } from 'node:fs';

/**
 * The directory the user ran the command from, when it differs from the working directory:
 * under a package-manager script (`pnpm bnkit ...`, `npm run bnkit -- ...`) the script runs in the
 * package's directory, and the package manager passes the user's directory as `INIT_CWD` (and
 * marks the script with `npm_lifecycle_event`). Undefined outside a script, or when `INIT_CWD`
 * is not an existing directory.
 */
export function invocationDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const directory = env['INIT_CWD'];
  if (!directory || !env['npm_lifecycle_event']) return undefined;
  try {
    return statSync(directory).isDirectory() ? directory : undefined;
  } catch {
    return undefined;
  }
}
