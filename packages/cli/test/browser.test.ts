import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from '@bnkit/browser';
import { packageDir, repoRoot, type CliRun } from './run-cli.js';

function runWithEnv(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageDir, 'dist', 'bin.js'), ...args],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', BNKIT_DEBUG: '', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

function chromiumOrReason(): { path?: string; missing?: string } {
  try {
    return { path: findChromium() };
  } catch (error) {
    return { missing: error instanceof Error ? error.message : String(error) };
  }
}

describe('--browser', () => {
  it('without a Chromium says how to get one and exits 2', async () => {
    const run = await runWithEnv(['conformance', '--browser', '--backend', 'tfjs-cpu'], { CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no Chromium found.*apt-get install chromium/);
  });

  const found = chromiumOrReason();
  const dir = mkdtempSync(join(tmpdir(), 'bnkit-cli-browser-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!found.path)(`prints the conformance matrix of a run in Chromium, with its name and version${found.path ? '' : ` (skipped: ${found.missing})`}`, async () => {
    const json = join(dir, 'conformance.json');
    const run = await runWithEnv(['conformance', '--browser', '--backend', 'tfjs-cpu', '--json', json], {});
    expect(run.stderr).not.toMatch(/tfjs-node/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Browser: \S+ \d+\.\d+\.\d+\.\d+ \(headless, .*, cross-origin isolated/);
    expect(run.stdout).toMatch(/tfjs-cpu +pass 182 · xfail 4 .* ok/);
    const document = JSON.parse(readFileSync(json, 'utf8')) as { browser: { version: string }; backends: { name: string; counts: { passed: number } }[] };
    expect(document.browser.version).toMatch(/^\d+\./);
    expect(document.backends.map((backend) => [backend.name, backend.counts.passed])).toEqual([['tfjs-cpu', 182]]);
  }, 180_000);
});
