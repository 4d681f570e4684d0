import '@bnkit/cpu';
import '@bnkit/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVectors } from '@bnkit/spec';
import { benchInBrowser } from '../src/browser-bench.js';
import { runConformanceInBrowser } from '../src/browser-conformance.js';
import { openBrowserSession, type BrowserSession } from '../src/browser-session.js';
import { findChromium } from '../src/chromium-path.js';

/** Where Chromium is, or why these tests are skipped (reported in the suite's title, never as passed). */
function chromium(): { path?: string; missing?: string } {
  try {
    return { path: findChromium() };
  } catch (error) {
    return { missing: error instanceof Error ? error.message : String(error) };
  }
}

const found = chromium();
const title = found.path ? 'the suite in headless Chromium' : `the suite in headless Chromium (skipped: ${found.missing})`;
const resultsPerBackend = loadVectors().reduce((total, golden) => total + golden.operations.length, 0);

describe.skipIf(found.path === undefined)(title, () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await openBrowserSession({ executablePath: found.path as string });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  it('runs in a cross-origin isolated page and names the browser', () => {
    expect(session.browser.crossOriginIsolated).toBe(true);
    expect(session.browser.name).not.toBe('');
    expect(session.browser.version).toMatch(/^\d+\.\d+/);
  });

  it.each(['reference', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-webgl', 'onnxruntime-web'])('%s passes every golden case, the property checks and the hardening checks', async (name) => {
    const { runs, ok } = await runConformanceInBrowser({ session, backends: [name], propertyRuns: 10 });
    const [run] = runs;
    expect(run?.reason).toBeUndefined();
    expect(run?.error).toBeUndefined();
    expect(run?.report?.results).toHaveLength(resultsPerBackend);
    expect(run?.report?.counts.failed).toBe(0);
    expect(run?.properties?.results.map((result) => result.status)).toEqual(['passed', 'passed', 'passed']);
    // Hardening is for backends to ship; the float64 yardstick is left out.
    if (name === 'reference') expect(run?.hardening).toBeUndefined();
    else expect(run?.hardening?.ok).toBe(true);
    expect(ok).toBe(true);
    if (name === 'tfjs-webgl') expect(run?.notes?.['computesIn']).toMatch(/^float(32|16) textures$/);
  }, 300_000);

  it('runs tfjs-webgpu where the browser has a WebGPU adapter, and says why not otherwise', async () => {
    const { runs } = await runConformanceInBrowser({ session, backends: ['tfjs-webgpu'], propertyRuns: 10 });
    const [run] = runs;
    if (run?.status === 'unavailable') {
      expect(run.reason).toMatch(/WebGPU|navigator\.gpu|adapter/);
    } else {
      expect(run?.error).toBeUndefined();
      expect(run?.report?.counts.failed).toBe(0);
      expect(run?.properties?.ok).toBe(true);
      expect(run?.hardening?.ok).toBe(true);
    }
  }, 300_000);

  it('reports a backend the page cannot provide as unavailable, with the reason', async () => {
    // @bnkit/cpu is Node-only today (node:os, worker threads); once it has a browser entry, cpu
    // belongs with the backends that pass above.
    const { runs, ok } = await runConformanceInBrowser({ session, backends: ['cpu', 'no-such-backend'], propertyRuns: 0 });
    expect(runs.map((run) => run.status)).toEqual(['unavailable', 'unavailable']);
    expect(runs[0]?.reason).toMatch(/@bnkit\/cpu/);
    expect(runs[1]?.reason).toMatch(/registered neither here nor in the page/);
    expect(ok).toBe(true);
  }, 60_000);

  it('times backends next to a copy of the same bytes', async () => {
    const { rows, browser } = await benchInBrowser({
      session,
      backends: ['tfjs-wasm', 'no-such-backend'],
      shape: [4, 8, 6, 6],
      layout: 'NCHW',
      operations: ['inference'],
      minTimeMs: 5,
      repeats: 3,
    });
    expect(browser.version).toBe(session.browser.version);
    const byBackend = new Map(rows.map((row) => [row.backend, row]));
    expect(byBackend.get('copy')?.medianMs).toBeGreaterThan(0);
    expect(byBackend.get('tfjs-wasm')?.medianMs).toBeGreaterThan(0);
    expect(byBackend.get('tfjs-wasm')?.ratioToCopy).toBeGreaterThan(0);
    expect(byBackend.get('no-such-backend')?.error).toMatch(/not available/);
  }, 120_000);
});
