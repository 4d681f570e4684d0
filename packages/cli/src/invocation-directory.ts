import { statSync } from 'node:fs';

// A script that is only an invocation of the CLI: `bnkit`, `node packages/cli/dist/bin.js`, ...
const BARE_INVOCATION = /(?:^|[\s/])(?:bnkit|bin\.js)$/;

/**
 * The directory the user ran the command from, when every argument came from the user's own
 * command line under a package-manager script: `pnpm bnkit inspect model.onnx` (or `npm run bnkit
 * -- ...`) runs the script in the package's directory and passes the user's directory as
 * `INIT_CWD`; relative paths the user typed mean that directory. Only when the script
 * (`npm_lifecycle_script`, which pnpm gives with the user's arguments appended and npm without)
 * is a bare invocation of the CLI: a script that carries its own arguments (`"check": "bnkit
 * conformance --vectors ./vectors"`) keeps the package directory those were written for.
 * Undefined otherwise, or when `INIT_CWD` is not an existing directory.
 * @param args the user's arguments (`process.argv.slice(2)`).
 */
export function invocationDirectory(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const directory = env['INIT_CWD'];
  const script = env['npm_lifecycle_script']?.trim();
  if (!directory || !script) return undefined;
  const appended = ` ${args.join(' ')}`;
  const base = args.length > 0 && script.endsWith(appended) ? script.slice(0, -appended.length) : script;
  if (!BARE_INVOCATION.test(base)) return undefined;
  try {
    return statSync(directory).isDirectory() ? directory : undefined;
  } catch {
    return undefined;
  }
}
