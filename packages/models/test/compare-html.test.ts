import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparisonReportHtml, MODEL_ROW, type ComparisonReport, type ErrorStatistics } from '../src/index.js';

/** Where Chromium is (CHROMIUM_PATH or Debian's), or why the browser tests are skipped (in their title, never passed). */
function findChromium(): { path?: string; missing?: string } {
  const path = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  return existsSync(path) ? { path } : { missing: `no Chromium at ${path} (apt-get install chromium, or set CHROMIUM_PATH)` };
}

function stats(maxUlp: number, maxAbs: number): ErrorStatistics {
  return { count: 64, maxAbs, maxRel: maxAbs, meanAbs: maxAbs / 2, p99Abs: maxAbs, maxUlp, nan: 0, inf: 0, nonFiniteMismatches: 0 };
}

/** A hand-written report: three nodes in graph order, the second the worst, one backend row unsupported. */
const REPORT: ComparisonReport = {
  origin: { kind: 'random', seed: 1 },
  batches: 1,
  engines: [MODEL_ROW, 'cpu'],
  nodes: [
    { order: 0, index: 1, name: 'stem<bn>', label: 'stem<bn>', producer: 'Conv', channels: 8, shape: [2, 8, 4, 4], rows: [
      { engine: MODEL_ROW, kind: 'model', status: 'compared', statistics: stats(1, 1e-7) },
      { engine: 'cpu', kind: 'backend', status: 'compared', statistics: stats(0, 0) },
    ] },
    { order: 1, index: 4, name: 'block', label: 'block', producer: 'Add', channels: 8, shape: [2, 8, 4, 4], rows: [
      { engine: MODEL_ROW, kind: 'model', status: 'compared', statistics: stats(255, 3e-5) },
      { engine: 'cpu', kind: 'backend', status: 'compared', statistics: stats(3, 4e-7) },
    ] },
    { order: 2, index: 9, name: 'head', label: 'head', producer: 'Gemm', channels: 10, shape: [2, 10], rows: [
      { engine: MODEL_ROW, kind: 'model', status: 'compared', statistics: stats(15, 2e-6) },
      { engine: 'cpu', kind: 'backend', status: 'unsupported', reason: 'no NC layout', statistics: null },
    ] },
  ],
  worst: [],
  worstOverall: { engine: MODEL_ROW, order: 1, label: 'block', maxUlp: 255, maxAbs: 3e-5 },
  fused: [{ output: 'logits', statistics: stats(2, 1e-7) }],
};

const found = findChromium();
const title = found.path ? 'the comparison page in headless Chromium' : `the comparison page in headless Chromium (skipped: ${found.missing})`;

describe.skipIf(found.path === undefined)(title, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: found.path as string, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws one bar per compared node and engine, in graph order, with lengths ordered by ULPs, and loads nothing else', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.setContent(comparisonReportHtml(REPORT, 'compare <test>'), { waitUntil: 'load' });
    expect(await page.title()).toBe('compare <test>');
    const bars = await page.$$eval('svg rect.bar', (rects) =>
      rects.map((r) => {
        const box = (r as unknown as { getBBox(): { y: number; width: number } }).getBBox();
        return { node: Number(r.getAttribute('data-node')), engine: r.getAttribute('data-engine'), box: { y: box.y, width: box.width } };
      }),
    );
    expect(bars.map((b) => `${b.node}:${b.engine}`)).toEqual([`0:${MODEL_ROW}`, '0:cpu', `1:${MODEL_ROW}`, '1:cpu', `2:${MODEL_ROW}`]);
    // Graph order top to bottom.
    const tops = bars.map((b) => b.box.y);
    expect([...tops].sort((a, b) => a - b)).toEqual(tops);
    // log2(1 + ULPs): 0 ULPs no bar, 255 ULPs (8 steps) the full length, 15 ULPs half of it, 1 ULP an eighth.
    const width = (node: number, engine: string) => bars.find((b) => b.node === node && b.engine === engine)?.box.width ?? -1;
    expect(width(0, 'cpu')).toBe(0);
    expect(width(1, MODEL_ROW)).toBeCloseTo(380, 1);
    expect(width(2, MODEL_ROW)).toBeCloseTo(190, 1);
    expect(width(0, MODEL_ROW)).toBeCloseTo(47.5, 1);
    // The unsupported row says why, in the chart and in the table; the worst node is marked in both.
    const svgText = await page.textContent('svg');
    expect(svgText).toContain('cpu: unsupported');
    expect(svgText).toContain('1. block (worst)');
    expect(await page.textContent('#nodes tr.worst')).toContain('block');
    expect(await page.textContent('#nodes')).toContain('unsupported: no NC layout');
    expect(await page.textContent('#worst')).toContain('block');
    expect(await page.textContent('#fused')).toContain('logits');
    // The label with markup is shown as text, not parsed.
    expect(svgText).toContain('0. stem<bn>');
    expect(requests).toEqual([]);
    await page.close();
  });
});
