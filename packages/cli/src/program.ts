import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { closeAllBackends } from '@bnkit/core';
import { backendOptionHelp, loadRegisteredBackends } from './backend-selection.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerChooseCommand } from './commands/choose.js';
import { registerCompareCommand } from './commands/compare.js';
import { registerConformanceCommand } from './commands/conformance.js';
import { registerGradcheckCommand } from './commands/gradcheck.js';
import { registerMainCommand } from './commands/main.js';
import { registerOnnxCommands } from './commands/onnx-tools.js';
import { registerRecalibrateCommand } from './commands/recalibrate.js';
import type { CommandContext } from './commands/context.js';
import { releaseOutput } from './output-hold.js';
import { EXIT, UsageError } from './usage-error.js';

/** The version of this package, from its package.json (one directory above `src/` and `dist/`). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * Builds the `bnkit` program with every command, writing to the context's streams. Before a
 * command with a `--backend` option parses its arguments (or prints its help), every backend
 * package is imported, so that its backends are registered and the help lists them; the other
 * commands (`--version`, the ONNX tools) start without loading any engine.
 */
export function createProgram(context: CommandContext): Command {
  // Subcommands inherit the exit override, output streams and error hint set here.
  const program = new Command('bnkit')
    .description('Check, compare and choose Batch Normalization backends; export and fold BN for ONNX.')
    .version(VERSION, '-V, --version', 'print the version of bnkit')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .hook('preSubcommand', async (_, command) => {
      const backend = command.options.find((option) => option.long === '--backend');
      if (!backend) return;
      await loadRegisteredBackends();
      backend.description = backendOptionHelp();
    });
  registerConformanceCommand(program, context);
  registerBenchCommand(program, context);
  registerChooseCommand(program, context);
  registerGradcheckCommand(program, context);
  registerOnnxCommands(program, context);
  registerRecalibrateCommand(program, context);
  registerCompareCommand(program, context);
  registerMainCommand(program, context);
  return program;
}

function errorCode(error: unknown, context: CommandContext): number {
  if (error instanceof CommanderError) {
    // Commander has printed its own message; help and version are successes.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (process.env['BNKIT_DEBUG'] && error instanceof Error) context.stderr.write(`${error.stack ?? ''}\n`);
  if (error instanceof UsageError) {
    context.stderr.write(`bnkit: ${error.message}\n(add --help for usage)\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  context.stderr.write(`bnkit: error: ${message}\n`);
  return EXIT.failure;
}

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, arguments) and returns the exit code:
 * 0 success, 1 a failed check or run, 2 a bad command line. Disposes every backend the command
 * opened at the end, each exactly once. Errors print as one line, without a stack trace (set `BNKIT_DEBUG=1` to
 * get it).
 */
export async function runCli(argv: readonly string[], context?: Partial<CommandContext>): Promise<number> {
  const ctx: CommandContext = { stdout: process.stdout, stderr: process.stderr, exitCode: EXIT.ok, ...context };
  let code: number;
  try {
    await createProgram(ctx).parseAsync([...argv]);
    code = ctx.exitCode;
  } catch (error) {
    // A run that throws while a progress bar holds output back: write what was held, then the error.
    releaseOutput();
    code = errorCode(error, ctx);
  }
  releaseOutput();
  try {
    await closeAllBackends();
  } catch (error) {
    ctx.stderr.write(`bnkit: error: closing backends: ${error instanceof Error ? error.message : String(error)}\n`);
    code = EXIT.failure;
  }
  return code;
}
