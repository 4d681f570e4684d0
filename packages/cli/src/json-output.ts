import type { Command } from 'commander';
import { writeFileAtomic } from '@bnkit/core/node';
import type { CommandContext } from './commands/context.js';

/** The `--json` value that means standard output. */
export const STANDARD_OUTPUT = '-';

/**
 * Adds `--json <file>` to a command, the one way every command that prints results also writes
 * them as JSON. `what` completes "write ... as JSON", e.g. `every result`.
 */
export function addJsonOption(command: Command, what: string): Command {
  return command.option('--json <file>', `also write ${what} as JSON to this file; - writes it to standard output (the text report then goes to standard error)`);
}

/**
 * The context a command prints its text report through: the given one, or, when the JSON goes
 * to standard output, one whose stdout is standard error, so that standard output holds only
 * the JSON document and can be piped to a parser.
 */
export function reportContext(context: CommandContext, json: string | undefined): CommandContext {
  if (json !== STANDARD_OUTPUT) return context;
  return {
    stdout: context.stderr,
    stderr: context.stderr,
    get exitCode() {
      return context.exitCode;
    },
    set exitCode(code: number) {
      context.exitCode = code;
    },
  };
}

/**
 * Writes `document` as indented JSON (non-finite numbers become null, as in JSON.stringify) to
 * `target`: standard output for `-`, otherwise a file written atomically (a temporary file
 * renamed over the target, so a reader never sees half a document).
 * @throws whatever the atomic writer throws for a path it cannot write.
 */
export async function writeJsonOutput(target: string, document: unknown, context: CommandContext): Promise<void> {
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (target === STANDARD_OUTPUT) {
    await new Promise<void>((resolve, reject) => context.stdout.write(text, (error) => (error ? reject(error) : resolve())));
    return;
  }
  await writeFileAtomic(target, text);
}
