import { Command, CommanderError } from 'commander';
import { registerBenchCommand } from './commands/bench.js';
import { registerChooseCommand } from './commands/choose.js';
import { registerConformanceCommand } from './commands/conformance.js';
import { registerGradcheckCommand } from './commands/gradcheck.js';
import { registerMainCommand } from './commands/main.js';
import { registerOnnxCommands } from './commands/onnx-tools.js';
import { registerRecalibrateCommand } from './commands/recalibrate.js';
import type { CommandContext } from './commands/context.js';
import { EXIT, UsageError } from './usage-error.js';

/** Builds the `bnkit` program with every command, writing to the context's streams. */
export function createProgram(context: CommandContext): Command {
  // Subcommands inherit the exit override, output streams and error hint set here.
  const program = new Command('bnkit')
    .description('Check, compare and choose Batch Normalization backends; export and fold BN for ONNX.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    });
  registerConformanceCommand(program, context);
  registerBenchCommand(program, context);
  registerChooseCommand(program, context);
  registerGradcheckCommand(program, context);
  registerOnnxCommands(program, context);
  registerRecalibrateCommand(program, context);
  registerMainCommand(program, context);
  return program;
}

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, arguments) and returns the exit code:
 * 0 success, 1 a failed check or run, 2 a bad command line. Errors print as one line, without a
 * stack trace (set `BNKIT_DEBUG=1` to get it).
 */
export async function runCli(argv: readonly string[], context?: Partial<CommandContext>): Promise<number> {
  const ctx: CommandContext = { stdout: process.stdout, stderr: process.stderr, exitCode: EXIT.ok, ...context };
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv]);
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its own message; help and version are successes.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (process.env['BNKIT_DEBUG'] && error instanceof Error) ctx.stderr.write(`${error.stack ?? ''}\n`);
    if (error instanceof UsageError) {
      ctx.stderr.write(`bnkit: ${error.message}\n(add --help for usage)\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    ctx.stderr.write(`bnkit: error: ${message}\n`);
    return EXIT.failure;
  }
}
