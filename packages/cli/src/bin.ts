#!/usr/bin/env node
import { invocationDirectory } from './invocation-directory.js';
import { runCli } from './program.js';

// Relative paths on the command line (models, --json, --vectors, ...) mean the user's directory, also under `pnpm bnkit`.
const directory = invocationDirectory(process.argv.slice(2));
if (directory) process.chdir(directory);

process.exitCode = await runCli(process.argv);
