import { describe, expect, it } from 'vitest';
import { loadRegisteredBackends, registeredBackendNames } from '../src/backend-selection.js';
import { runBnkit } from './run-cli.js';

const COMMANDS = ['conformance', 'bench', 'choose', 'export-onnx', 'fold', 'inspect', 'gradcheck', 'main'];
/** The commands that run backends: each takes --backend, every registered backend by default. */
const BACKEND_COMMANDS = ['conformance', 'choose', 'gradcheck', 'main'];

describe('bnkit --help', () => {
  it('lists every command', async () => {
    const run = await runBnkit(['--help']);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(command);
  });

  it.each(COMMANDS)('%s --help prints its usage and exits 0', async (command) => {
    const run = await runBnkit([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: bnkit ${command}`);
    if (BACKEND_COMMANDS.includes(command)) {
      await loadRegisteredBackends();
      const help = run.stdout.replace(/\s+/g, ' ');
      expect(help).toContain(`--backend <names> comma-separated backends: ${registeredBackendNames().join(', ')}, or all (default: every backend registered here)`);
    }
  });
});

describe('bad arguments exit 2 and say what was expected', () => {
  it.each([
    [['conformance', '--backend', 'cuda'], '--backend', 'a comma-separated list of reference, cpu, ', '"cuda"'],
    [['gradcheck', '--backend', 'cpu,'], '--backend', 'a comma-separated list of', '"cpu,"'],
    [['bench', '--backend', 'reference', '--shape', '2,x,3'], '--shape', 'positive integers', '"2,x,3"'],
    [['bench', '--backend', 'reference', '--shape', '2,3,0,4'], '--shape', 'positive integers', '"2,3,0,4"'],
    [['bench', '--backend', 'reference', '--op', 'inference,predict'], '--op', 'inference, trainForward, backward', '"predict"'],
    [['choose', '--shape', '2,3', '--layout', 'NCHW'], '--shape', 'rank 4 for layout NCHW', 'rank 2'],
    [['choose', '--need', 'train'], '--need', 'inference, trainForward, backward', '"train"'],
    [['gradcheck', '--backend', 'reference', '--cases', '0'], '--cases', 'an integer in [1, 10000]', '"0"'],
    [['bench', '--backend', 'reference', '--layout', 'NHCW'], '--layout', 'NCHW', 'NHCW'],
  ])('%j', async (args, argument, expected, actual) => {
    const run = await runBnkit(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(argument);
    expect(run.stderr).toContain(expected);
    expect(run.stderr).toContain(actual);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });
});
