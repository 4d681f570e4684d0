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

  it.each(['reference', 'cpu', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-webgl', 'onnxruntime-web'])('%s passes every golden case, the property checks and the hardening checks', async (name) => {
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
    // The page is cross-origin isolated, so cpu splits work across Web Workers over shared memory.
    if (name === 'cpu' && session.browser.hardwareConcurrency > 1) {
      expect(run?.notes?.['threads']).toBe(String(session.browser.hardwareConcurrency));
      expect(run?.notes?.['threading']).toMatch(/Web Workers?\) over a shared WebAssembly memory$/);
    }
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
    const { runs, ok } = await runConformanceInBrowser({ session, backends: ['no-such-backend'], propertyRuns: 0 });
    expect(runs.map((run) => run.status)).toEqual(['unavailable']);
    expect(runs[0]?.reason).toMatch(/registered neither here nor in the page/);
    expect(ok).toBe(true);
  }, 60_000);

  it('times cpu on a tensor large enough to be split across its Web Workers', async () => {
    // 2^20 elements, above cpu's default parallelThreshold (2^15): the page's timing puts x, dy and the output
    // in cpu's shared memory, so each call runs on the page's thread and the workers; a failed
    // worker call would make the row an error.
    const { rows } = await benchInBrowser({ session, backends: ['cpu'], shape: [4, 16, 128, 128], layout: 'NCHW', operations: ['inference', 'trainForward', 'backward'], minTimeMs: 5, repeats: 2 });
    for (const row of rows.filter((r) => r.backend === 'cpu')) {
      expect(row.error).toBeUndefined();
      expect(row.medianMs).toBeGreaterThan(0);
    }
  }, 120_000);

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
