import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The executables looked for on PATH, in order, when CHROMIUM_PATH is not set. */
export const CHROMIUM_NAMES: readonly string[] = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** How to get a Chromium, for messages. */
export const CHROMIUM_INSTALL_HINT =
  'install one with the distribution package (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable';

/** Thrown when no Chromium can be found; the message says how to get one. */
export class ChromiumNotFoundError extends Error {
  constructor(readonly looked: string) {
    super(`no Chromium found (looked at ${looked}); ${CHROMIUM_INSTALL_HINT}`);
    this.name = 'ChromiumNotFoundError';
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium to drive: `CHROMIUM_PATH` when set (it must be executable), else the first of
 * `CHROMIUM_NAMES` found on PATH. Nothing is downloaded: the browser must be installed.
 * @throws ChromiumNotFoundError saying where it looked and how to install one.
 */
export function findChromium(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = env['CHROMIUM_PATH'];
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new ChromiumNotFoundError(`CHROMIUM_PATH=${explicit}, which is not an executable file`);
  }
  const dirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  throw new ChromiumNotFoundError(`CHROMIUM_PATH (unset) and ${CHROMIUM_NAMES.join(', ')} on PATH`);
}
