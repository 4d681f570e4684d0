import { BnError } from '@bnkit/core';

/**
 * A command-line argument the CLI cannot accept: unknown backend, malformed shape, unknown
 * operation, layout and rank that disagree. The CLI prints its message and exits with code 2.
 */
export class UsageError extends BnError {}

/** Exit codes of the CLI. */
export const EXIT = Object.freeze({
  /** Everything asked for ran and passed. */
  ok: 0,
  /** A check failed, a backend was unavailable, or a run threw. */
  failure: 1,
  /** The command line was wrong; nothing ran. */
  usage: 2,
});
