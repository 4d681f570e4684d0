/** What a command writes to and reports back: streams, and the exit code it settles on. */
export interface CommandContext {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** The exit code of the run; commands set it, the entry point exits with it. */
  exitCode: number;
}
