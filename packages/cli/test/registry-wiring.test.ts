import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDescriptor, listBackends, listUnavailablePackages } from '@bnkit/core';
import { cpuExpectations } from '@bnkit/cpu';
import { onnxruntimeExpectations } from '@bnkit/onnxruntime';
import { tfjsExpectations } from '@bnkit/tfjs';
import { loadRegisteredBackends, registeredBackendNames } from '../src/backend-selection.js';
import { runBnkit, testBackendsModule } from './run-cli.js';

const FAST = ['--min-time-ms', '1', '--repeats', '1'];

describe('backend packages', () => {
  it('register their backends when imported, with their expectations and precision', async () => {
    expect(await loadRegisteredBackends()).toEqual([]);
    expect(listUnavailablePackages()).toEqual([]);
    expect(listBackends({ environment: 'node' })).toEqual(expect.arrayContaining(['cpu', 'tfjs-cpu', 'tfjs-wasm', 'onnxruntime', 'reference']));
    expect(getDescriptor('cpu')).toMatchObject({ packageName: '@bnkit/cpu', precision: 'float32', role: 'backend', expectations: cpuExpectations });
    expect(getDescriptor('tfjs-cpu')).toMatchObject({ packageName: '@bnkit/tfjs', precision: 'float32', expectations: tfjsExpectations['tfjs-cpu'] });
    expect(getDescriptor('tfjs-wasm')).toMatchObject({ packageName: '@bnkit/tfjs', precision: 'float32', expectations: tfjsExpectations['tfjs-wasm'] });
    expect(getDescriptor('onnxruntime')).toMatchObject({ packageName: '@bnkit/onnxruntime', precision: 'float32', expectations: onnxruntimeExpectations });
    // The CLI lists the yardstick first, then the backends as the registry orders them.
    expect(registeredBackendNames()).toEqual(['reference', ...listBackends({ environment: 'node', role: 'backend' })]);
  });
});

describe('one init and one dispose per backend and run', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bnkit-lifecycle-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['main', ['main', '--backend', 'counted', '--shape', '2,3,4,4', ...FAST]],
    ['choose', ['choose', '--backend', 'counted', '--shape', '2,3', '--layout', 'NC', ...FAST]],
  ])('%s creates, initialises and disposes a backend once while conformance and timing both use it', async (name, args) => {
    const events = join(dir, `${name}.log`);
    const run = await runBnkit(args, { env: { BNKIT_TEST_EVENTS: events }, nodeArgs: ['--import', testBackendsModule] });
    expect(run.stderr).not.toContain('bnkit: error');
    expect(run.stdout).toMatch(/^Recommended: counted /m);
    expect(run.code).toBe(0);
    expect((await readFile(events, 'utf8')).trim().split('\n')).toEqual(['create', 'init', 'dispose']);
  });
});

describe('backends and packages that cannot be used here', () => {
  const env = { env: { BNKIT_TEST_MISSING: '1' }, nodeArgs: ['--import', testBackendsModule] };

  it('are listed with the reason, and do not fail a run that did not ask for them', async () => {
    const run = await runBnkit(['gradcheck', '--cases', '2'], env);
    expect(run.stdout).toMatch(/^missing-engine\s+-\s+float32\s+-\s+-\s+-\s+unavailable: Cannot find package 'bnkit-test-engine'/m);
    expect(run.stdout).toContain("Backend packages that could not be imported (their backends are not listed):\n  @bnkit/not-installed: Cannot find package '@bnkit/not-installed'");
    expect(run.stdout).toMatch(/^cpu\s+NC \[/m);
    expect(run.code).toBe(0);
  });

  it('fail a run that asked for them, in the matrix and the JSON', async () => {
    const run = await runBnkit(['conformance', '--backend', 'reference,missing-engine', '--json', '-'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^missing-engine\s+-\s+unavailable: Cannot find package 'bnkit-test-engine'/m);
    const report = JSON.parse(run.stdout) as { backends: { name: string; status: string; reason?: string }[]; unavailablePackages: { packageName: string }[] };
    expect(report.backends.map((b) => [b.name, b.status])).toEqual([
      ['reference', 'ready'],
      ['missing-engine', 'unavailable'],
    ]);
    expect(report.unavailablePackages.map((p) => p.packageName)).toEqual(['@bnkit/not-installed']);
  });

  it('are named when an unknown backend is asked for', async () => {
    const run = await runBnkit(['conformance', '--backend', 'tfjs-webnn'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('backend packages that could not be imported: @bnkit/not-installed');
  });
});
