import type { BrowserBenchRow, BrowserConformance, BrowserInfo, PageConformanceRun } from '@bnkit/browser';
import type { Operation } from '@bnkit/core';
import type { Palette } from './color.js';
import { cellText, summarize } from './conformance-matrix.js';
import { formatMs, formatQuantity } from './format-number.js';
import { isUnexpected } from './spec-suite.js';
import { formatTable } from './text-table.js';

/** The line naming the browser a run happened in. */
export function browserText(browser: BrowserInfo): string {
  const isolation = browser.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  return `Browser: ${browser.name} ${browser.version} (headless, ${browser.executablePath}, ${isolation}, ${browser.hardwareConcurrency} hardware threads, WebGPU adapter: ${browser.webgpu})`;
}

function groupsOf(runs: readonly PageConformanceRun[]): string[] {
  const groups: string[] = [];
  for (const run of runs) for (const result of run.report?.results ?? []) if (!groups.includes(result.group)) groups.push(result.group);
  return groups;
}

function statusText(run: PageConformanceRun, palette: Palette): string {
  if (run.status === 'unavailable') return palette.red(`unavailable: ${run.reason ?? 'no reason given'}`);
  if (!run.report) return palette.red(`error: ${run.error ?? 'no report'}`);
  const unexpected = run.report.results.filter(isUnexpected).length;
  if (unexpected > 0) return palette.red(`FAILED (${unexpected} unexpected)`);
  if (run.properties?.ok === false) return palette.red('FAILED (property checks)');
  if (run.hardening?.ok === false) return palette.red('FAILED (hardening checks)');
  return palette.green('ok');
}

function hardeningText(run: PageConformanceRun): string {
  if (!run.hardening) return '-';
  const counts = new Map<string, number>();
  for (const result of run.hardening.results) counts.set(result.status, (counts.get(result.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${status} ${count}`).join(' · ');
}

function propertiesText(run: PageConformanceRun): string {
  if (!run.properties) return '-';
  return run.properties.results.map((result) => `${result.operation} ${result.status}`).join(' · ');
}

/**
 * The conformance matrix of a browser run, laid out as the Node one: one row per group, one
 * column per backend, then one row per backend with its totals, property and hardening checks and status.
 */
export function formatBrowserMatrix(result: BrowserConformance, palette: Palette): string {
  const { runs } = result;
  const missing = (run: PageConformanceRun): string => palette.red(run.status === 'unavailable' ? 'unavailable' : 'error');
  const rows = groupsOf(runs).map((group) => [
    group,
    ...runs.map((run) => (run.report ? cellText(summarize(run.report.results.filter((r) => r.group === group)), palette) : missing(run))),
  ]);
  const matrix = formatTable([{ header: 'group' }, ...runs.map((run) => ({ header: run.name }))], rows);
  const status = formatTable(
    [{ header: 'backend' }, { header: 'all cases' }, { header: 'property checks' }, { header: 'hardening' }, { header: 'status' }],
    runs.map((run) => [run.name, run.report ? cellText(summarize(run.report.results), palette) : '-', propertiesText(run), hardeningText(run), statusText(run, palette)]),
  );
  return `${matrix}\n\n${status}`;
}

/** What backends say about themselves in this browser (e.g. WebGL's texture precision), one line each. */
export function formatNotes(runs: readonly PageConformanceRun[]): string {
  return runs
    .filter((run) => run.notes)
    .map((run) => `${run.name}: ${Object.entries(run.notes ?? {}).map(([key, value]) => `${key} ${value}`).join('; ')}`)
    .join('\n');
}

/** One line per unexpected result or failed property, for the list under the matrix; empty when none. */
export function formatBrowserUnexpected(runs: readonly PageConformanceRun[]): string {
  const lines: string[] = [];
  for (const run of runs) {
    for (const result of run.report?.results ?? []) {
      if (!isUnexpected(result)) continue;
      lines.push(`${run.name}  ${result.id} ${result.operation}: ${result.status}, ratio ${formatQuantity(result.maxErrorRatio)}${result.worst ? ` at ${result.worst}` : ''}${result.reason ? ` (${result.reason})` : ''}`);
    }
    for (const check of run.hardening?.results ?? []) {
      if (check.status === 'failed' || check.status === 'unexpected-pass') lines.push(`${run.name}  ${check.id} ${check.operation}: ${check.status}${check.reason ? ` (${check.reason})` : ''}`);
    }
    for (const property of run.properties?.results ?? []) {
      if (property.status === 'failed') lines.push(`${run.name}  property ${property.operation}: ${property.message ?? 'failed'} (seed ${property.seed}, path ${property.path ?? '-'})`);
    }
  }
  return lines.join('\n');
}

/** The JSON document of a browser conformance run: the browser, then every backend's reports. */
export function browserConformanceJson(result: BrowserConformance): unknown {
  return {
    browser: result.browser,
    errorMeasure: 'maxErrorRatio = |actual - expected| / (abs + rel * |expected|); <= 1 passes',
    ok: result.ok,
    backends: result.runs.map((run) => ({
      name: run.name,
      status: run.status,
      ...(run.reason !== undefined && { reason: run.reason }),
      ...(run.error !== undefined && { error: run.error }),
      ...(run.notes && { notes: run.notes }),
      counts: run.report?.counts ?? null,
      results: run.report?.results ?? [],
      properties: run.properties ?? null,
      hardening: run.hardening ?? null,
    })),
  };
}

/** The timing table of a browser run: one row per backend, median ms (min–max), GB/s and ratio to the copy per operation. */
export function formatBrowserBench(rows: readonly BrowserBenchRow[], operations: readonly Operation[], palette: Palette): string {
  const backends = [...new Set(rows.map((row) => row.backend))];
  const cell = (row: BrowserBenchRow | undefined): string => {
    if (!row) return '-';
    if (row.error !== undefined) return palette.red(row.error.length > 60 ? `${row.error.slice(0, 57)}...` : row.error);
    return `${formatMs(row.medianMs)} ms (${formatMs(row.minMs)}–${formatMs(row.maxMs)}) · ${formatQuantity(row.gbPerSec)} GB/s · ${formatQuantity(row.ratioToCopy)}`;
  };
  return formatTable(
    [{ header: 'backend' }, ...operations.map((operation) => ({ header: operation }))],
    backends.map((backend) => [backend, ...operations.map((operation) => cell(rows.find((row) => row.backend === backend && row.operation === operation)))]),
  );
}
