import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVENTION_NAMES, DEFAULT_ONNX_OPSET, LAYOUTS, ONNX_OPSETS, channelAxis, type Layout } from '@bnkit/core';
import { DEFAULT_TIMING } from '../src/commands/shared-options.js';
import { DEFAULT_GRADCHECK_CASES } from '../src/gradcheck-cases.js';
import { binPath, packageDir, repoRoot, runBnkit, testBackendsModule } from './run-cli.js';

const FAST = ['--min-time-ms', '1', '--repeats', '1'];
const stats = { gamma: [1, 2], beta: [0, 0.5], runningMean: [0.25, -1], runningVar: [1, 4], eps: 1e-3 };

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bnkit-cli-'));
  await writeFile(join(dir, 'stats.json'), JSON.stringify(stats));
  const exported = await runBnkit(['export-onnx', '--stats', join(dir, 'stats.json'), '--out', join(dir, 'bn.onnx')]);
  if (exported.code !== 0) throw new Error(`export-onnx failed: ${exported.stderr}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bnkit --version', () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    const run = await runBnkit(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });
});

describe('--help', () => {
  it('shows the real defaults and valid values, never a reference to another package', async () => {
    const exportHelp = (await runBnkit(['export-onnx', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(exportHelp).toContain(`--opset <${ONNX_OPSETS.join('|')}> ONNX opset of the model (default: "${DEFAULT_ONNX_OPSET}")`);
    const chooseHelp = (await runBnkit(['choose', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(chooseHelp).toContain(`(default: "${DEFAULT_TIMING.minTimeMs}")`);
    expect(chooseHelp).toContain(`(default: "${DEFAULT_TIMING.repeats}")`);
    expect(chooseHelp).toContain('(default: "inference,trainForward,backward")');
    expect(chooseHelp).not.toMatch(/package default/);
    const gradcheckHelp = (await runBnkit(['gradcheck', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(gradcheckHelp).toContain(`(default: "${DEFAULT_GRADCHECK_CASES}")`);
  });
});

describe('--json FILE and --json -', () => {
  const commands: [string, string[], (document: Record<string, unknown>) => void][] = [
    ['conformance', ['conformance', '--backend', 'reference'], (d) => expect(d['ok']).toBe(true)],
    ['choose', ['choose', '--backend', 'reference,cpu', '--shape', '2,3', '--layout', 'NC', '--need', 'trainForward', ...FAST], (d) => {
      expect(d['need']).toEqual(['trainForward']);
      expect(d['recommended']).toMatchObject({ name: 'cpu', packageName: '@bnkit/cpu' });
    }],
    ['gradcheck', ['gradcheck', '--backend', 'reference', '--cases', '2'], (d) => expect((d['rows'] as unknown[]).length).toBe(2)],
    ['inspect', ['inspect', 'bn.onnx'], (d) => expect(d['opset']).toBe(DEFAULT_ONNX_OPSET)],
    ['main', ['main', '--backend', 'cpu', '--shape', '2,3', '--layout', 'NC', ...FAST], (d) => {
      expect(d).toHaveProperty('conformance.ok', true);
      expect(d).toHaveProperty('choose.recommended.name', 'cpu');
    }],
  ];

  it.each(commands)('%s writes the document to standard output with -, the text going to standard error', async (_, args, check) => {
    const run = await runBnkit([...args, '--json', '-'], { cwd: dir });
    expect(run.code).toBe(0);
    check(JSON.parse(run.stdout) as Record<string, unknown>);
    expect(run.stderr.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  // The file path of the shared helper, through two commands (standard output above proves every command uses it).
  it.each(commands.filter(([name]) => name === 'conformance' || name === 'inspect'))('%s writes the same document to a file, the text going to standard output', async (name, args, check) => {
    const file = join(dir, `${name}.json`);
    const run = await runBnkit([...args, '--json', file], { cwd: dir });
    expect(run.code).toBe(0);
    check(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
    expect(run.stdout.length).toBeGreaterThan(0);
    expect(() => JSON.parse(run.stdout) as unknown).toThrow();
  });
});

describe('--json into a missing directory', () => {
  it.each([
    ['choose', ['choose', '--backend', 'cpu']],
    ['gradcheck', ['gradcheck', '--backend', 'reference']],
    ['inspect', ['inspect', 'bn.onnx']],
    ['main', ['main', '--backend', 'cpu']],
  ])('%s is refused before any work, naming --json', async (_, args) => {
    const run = await runBnkit([...args, '--json', join(dir, 'missing', 'report.json')], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^bnkit: --json: expected /m);
    expect(run.stdout).toBe('');
  });
});

describe('one name per operation', () => {
  it('is trainForward in the flags, the table and the JSON; train is refused', async () => {
    const run = await runBnkit(['choose', '--backend', 'cpu', '--shape', '2,3', '--layout', 'NC', '--need', 'inference,trainForward', '--json', '-', ...FAST]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^backend\s+qualifies\s+inference ms\s+trainForward ms\s+total ms/m);
    expect(JSON.parse(run.stdout)).toHaveProperty('candidates.0.medianMs.trainForward');
    const refused = await runBnkit(['choose', '--need', 'train']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--need: expected a comma-separated list of inference, trainForward, backward, got "train"');
  });
});

describe('paths under a package-manager script', () => {
  const args = ['export-onnx', '--stats', 'stats.json', '--out', 'from-script.onnx'];

  it('resolve against the directory the user ran it from (INIT_CWD), not the package directory', async () => {
    // What pnpm sets for `pnpm bnkit <args>` run from `dir`: the script with the arguments appended.
    const run = await runBnkit(args, { cwd: repoRoot, env: { INIT_CWD: dir, npm_lifecycle_script: `node packages/cli/dist/bin.js ${args.join(' ')}` } });
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, 'from-script.onnx'))).toBe(true);
    expect(existsSync(join(repoRoot, 'from-script.onnx'))).toBe(false);
  });

  it("stay relative to the package directory when the script carries its own arguments", async () => {
    const run = await runBnkit(args, { cwd: dir, env: { INIT_CWD: repoRoot, npm_lifecycle_script: `bnkit ${args.join(' ')} --layout NCHW` } });
    expect(run.code).toBe(0);
    expect(existsSync(join(repoRoot, 'from-script.onnx'))).toBe(false);
  });

  const pnpm = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  it.skipIf(pnpm.status !== 0)('resolve against the user directory under a real `pnpm bnkit` (needs pnpm on PATH)', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env['INIT_CWD'];
    execFileSync('pnpm', ['--silent', '--dir', repoRoot, 'bnkit', 'inspect', 'bn.onnx', '--json', 'inspected.json'], { cwd: dir, env, stdio: 'pipe' });
    const report = JSON.parse(readFileSync(join(dir, 'inspected.json'), 'utf8')) as { file: string; batchNorms: unknown[] };
    expect(report.file).toBe('bn.onnx');
    expect(report.batchNorms).toHaveLength(1);
  });
});

describe('gradcheck defaults', () => {
  it('cover several channels, every layout and every convention', async () => {
    const run = await runBnkit(['gradcheck', '--backend', 'reference', '--json', '-']);
    expect(run.code).toBe(0);
    const rows = (JSON.parse(run.stdout) as { rows: { case: string; status: string }[] }).rows;
    expect(rows).toHaveLength(DEFAULT_GRADCHECK_CASES);
    const cases = rows.map((row) => {
      const match = /^(\S+) \[([\d,]+)\] (\S+)/.exec(row.case);
      if (!match) throw new Error(`unexpected case name ${row.case}`);
      const layout = match[1] as Layout;
      return { layout, channels: Number(match[2]?.split(',')[channelAxis(layout)]), convention: match[3] };
    });
    expect(cases.every((c) => c.channels >= 2)).toBe(true);
    expect(new Set(cases.map((c) => c.convention))).toEqual(new Set(CONVENTION_NAMES));
    expect(new Set(cases.map((c) => c.layout))).toEqual(new Set(LAYOUTS));
    expect(rows.every((row) => row.status === 'passed')).toBe(true);
  });
});

const script = spawnSync('script', ['--version'], { encoding: 'utf8' });

describe('progress bar on a terminal', () => {
  it.skipIf(script.status !== 0)('is never interleaved with other output (needs `script` to provide a terminal)', () => {
    // `script` runs the CLI on a pseudo-terminal, where the bar is drawn; the `noisy` test backend
    // warns from inside every operation while the bar is up.
    const command = [process.execPath, '--import', testBackendsModule, binPath, 'conformance', '--backend', 'noisy'].map((a) => `'${a}'`).join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', BNKIT_TEST_NOISY: '1', COLUMNS: '100' },
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    const output = result.stdout;
    const bar = /[\u2588\u2591]/g;
    const barDraws = [...output.matchAll(bar)].map((m) => m.index);
    const warnings = [...output.matchAll(/noisy: a warning from inside \w+/g)].map((m) => m.index);
    expect(barDraws.length).toBeGreaterThan(0);
    expect(warnings.length).toBeGreaterThan(100);
    // Every warning comes after the last drawing of the bar, each on its own line, and the matrix after them.
    expect(Math.min(...warnings)).toBeGreaterThan(Math.max(...barDraws));
    expect(output).toMatch(/^noisy: a warning from inside inference\r?$/m);
    expect(output.indexOf('Conformance: ')).toBeGreaterThan(Math.max(...warnings));
  });
});
