import type { Command } from 'commander';
import { benchInBrowser, ChromiumNotFoundError, openBrowserSession, runConformanceInBrowser, type BrowserBenchRow, type BrowserConformance } from '@bnkit/browser';
import type { Layout, Operation } from '@bnkit/core';
import { loadRegisteredBackends } from '../backend-selection.js';
import { shapeText } from '../bench-table.js';
import { browserConformanceJson, browserText, formatBrowserBench, formatBrowserMatrix, formatBrowserUnexpected, formatNotes } from '../browser-report.js';
import { paletteFor } from '../color.js';
import { MATRIX_LEGEND } from '../conformance-matrix.js';
import { formatMs, formatQuantity } from '../format-number.js';
import { reportContext, writeJsonOutput } from '../json-output.js';
import { createProgress, type Progress } from '../progress.js';
import { formatTable } from '../text-table.js';
import { EXIT } from '../usage-error.js';
import type { CommandContext } from './context.js';
import { parseShapeOptions, type RawShapeOptions } from './shared-options.js';

/** Adds `--browser` to a command: run it in a headless Chromium instead of Node. */
export function addBrowserOption(command: Command): Command {
  return command.option('--browser', 'run in a headless Chromium (CHROMIUM_PATH, or chromium on PATH) instead of Node; a page on 127.0.0.1 runs the same suite');
}

/** The backends asked for with `--backend`: undefined for every one (`all` or none given). */
function backendNames(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === 'all') return undefined;
  return value.split(',').map((name) => name.trim()).filter(Boolean);
}

/** Progress of the page's results, restarted for each backend. */
function pageProgress(progress: Progress): (backend: string, done: number, total: number) => void {
  let current = '';
  return (backend, done, total) => {
    if (backend !== current) {
      current = backend;
      progress.start(total, `browser conformance ${backend}`);
    }
    progress.update(done, `browser conformance ${backend}`);
  };
}

/**
 * Runs `work`, turning a missing Chromium into the exit code 2 with how to get one (nothing can
 * run, as with a bad command line).
 */
async function inBrowser(context: CommandContext, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ChromiumNotFoundError)) throw error;
    context.stderr.write(`bnkit: ${error.message}\n`);
    return EXIT.usage;
  }
}

/** Whether the run broke: a backend that ran failed, or one named explicitly was unavailable. */
function conformanceFailed(result: BrowserConformance, named: boolean): boolean {
  return !result.ok || (named && result.runs.some((run) => run.status === 'unavailable'));
}

/**
 * `bnkit conformance --browser`: the golden vectors and property checks of `@bnkit/spec` in a
 * headless Chromium, printed as the Node matrix with the browser's name and version. Exit 0 when
 * nothing failed (with `all`, backends the browser cannot provide are listed, not failed), 1 on a
 * failure or an unavailable backend named explicitly, 2 without a Chromium.
 */
export function runBrowserConformanceCommand(raw: { backend?: string; json?: string }, jsonContext: CommandContext): Promise<number> {
  const context = reportContext(jsonContext, raw.json);
  return inBrowser(context, async () => {
    const progress = createProgress(context.stderr);
    const backends = backendNames(raw.backend);
    // Registered here too, so that `all` also lists installed backends the page cannot bundle.
    await loadRegisteredBackends();
    const result = await runConformanceInBrowser({ ...(backends && { backends }), onProgress: pageProgress(progress) });
    progress.stop();
    const palette = paletteFor(context.stdout);
    const cases = new Set(result.runs.flatMap((run) => run.report?.results.map((r) => r.id) ?? [])).size;
    context.stdout.write(`${browserText(result.browser)}\nConformance: ${cases} golden cases\n\n${formatBrowserMatrix(result, palette)}\n\n${MATRIX_LEGEND}\n`);
    const notes = formatNotes(result.runs);
    if (notes) context.stdout.write(`\nIn this browser:\n${notes}\n`);
    const unexpected = formatBrowserUnexpected(result.runs);
    if (unexpected) context.stdout.write(`\nUnexpected results:\n${unexpected}\n`);
    if (raw.json) await writeJsonOutput(raw.json, browserConformanceJson(result), jsonContext);
    return conformanceFailed(result, backends !== undefined) ? EXIT.failure : EXIT.ok;
  });
}

/** Options of the browser bench and choose commands, parsed by the Node command. */
export interface BrowserTimingOptions {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly minTimeMs?: number;
  readonly repeats?: number;
  readonly warmUpMs?: number;
}

/** The shape, layout and timing options of a command, parsed as the Node command parses them. */
export function browserTiming(raw: RawShapeOptions): BrowserTimingOptions {
  const { shape, layout, timing } = parseShapeOptions(raw);
  return { shape, layout, ...timing };
}

/**
 * `bnkit bench --browser`: times backends in a headless Chromium next to a copy of the same bytes
 * made in the page. Exit 1 when a row could not be measured.
 */
export function runBrowserBenchCommand(
  raw: { backend?: string; json?: string },
  options: BrowserTimingOptions & { readonly operations: readonly Operation[] },
  jsonContext: CommandContext,
): Promise<number> {
  const context = reportContext(jsonContext, raw.json);
  return inBrowser(context, async () => {
    const backends = backendNames(raw.backend);
    const bench = await benchInBrowser({ ...options, ...(backends && { backends }) });
    const palette = paletteFor(context.stdout);
    context.stdout.write(`${browserText(bench.browser)}\nBenchmark: ${shapeText(options.shape, options.layout)}\n\n`);
    context.stdout.write(`${formatBrowserBench(bench.rows, options.operations, palette)}\n\n`);
    context.stdout.write('Cells: median ms of one call (min–max of the samples) · GB/s of the minimum bytes moved · ratio to the copy of those bytes in the page.\n');
    if (raw.json) await writeJsonOutput(raw.json, { browser: bench.browser, shape: options.shape, layout: options.layout, operations: options.operations, rows: bench.rows }, jsonContext);
    return bench.rows.some((row) => row.error !== undefined) ? EXIT.failure : EXIT.ok;
  });
}

/** A backend `choose --browser` considered, and why it does not qualify (empty when it does). */
interface BrowserCandidate {
  readonly name: string;
  readonly why: string[];
  readonly maxErrorRatio: number;
  readonly ms: Map<Operation, number>;
}

function total(candidate: BrowserCandidate, need: readonly Operation[]): number {
  return need.reduce((sum, operation) => sum + (candidate.ms.get(operation) ?? Number.NaN), 0);
}

function assess(result: BrowserConformance, yardsticks: ReadonlySet<string>, need: readonly Operation[], layout: Layout): BrowserCandidate[] {
  return result.runs.map((run) => {
    const why: string[] = [];
    const results = run.report?.results ?? [];
    if (run.status === 'unavailable') why.push(`unavailable: ${run.reason ?? ''}`);
    else if (!run.report) why.push(`error: ${run.error ?? ''}`);
    if (yardsticks.has(run.name)) why.push('the float64 yardstick, not a backend to ship');
    const failing = results.filter((r) => r.status === 'failed' || r.status === 'unexpected-pass').length;
    if (failing > 0) why.push(`${failing} unexpected conformance results`);
    for (const operation of need) {
      if (run.report && results.some((r) => r.operation === operation && r.status === 'unsupported' && r.id.startsWith(`${layout.toLowerCase()}/`))) {
        why.push(`does not declare ${operation} on ${layout}`);
      }
    }
    const ratios = results.filter((r) => r.status === 'passed').map((r) => r.maxErrorRatio);
    return { name: run.name, why, maxErrorRatio: ratios.length ? Math.max(...ratios) : Number.NaN, ms: new Map() };
  });
}

function applyTimings(candidates: readonly BrowserCandidate[], rows: readonly BrowserBenchRow[]): void {
  for (const row of rows) {
    const candidate = candidates.find((c) => c.name === row.backend);
    if (!candidate) continue;
    if (row.error !== undefined) candidate.why.push(`${row.operation} could not be timed: ${row.error}`);
    else candidate.ms.set(row.operation, row.medianMs);
  }
}

/**
 * `bnkit choose --browser`: runs the golden cases of the needed operations in a headless
 * Chromium, times the backends that qualify there on the shape, and recommends the fastest in
 * total. Exit 0 when one is recommended, 1 when none qualifies.
 */
export function runBrowserChooseCommand(
  raw: { backend?: string; json?: string },
  options: BrowserTimingOptions & { readonly need: readonly Operation[] },
  jsonContext: CommandContext,
): Promise<number> {
  const context = reportContext(jsonContext, raw.json);
  return inBrowser(context, async () => {
    const progress = createProgress(context.stderr);
    await loadRegisteredBackends();
    const session = await openBrowserSession({ onProgress: pageProgress(progress) });
    try {
      const backends = backendNames(raw.backend);
      const result = await runConformanceInBrowser({ session, operations: options.need, propertyRuns: 0, ...(backends && { backends }) });
      progress.stop();
      const yardsticks = new Set(session.page.backends.filter((backend) => backend.role === 'yardstick').map((backend) => backend.name));
      const candidates = assess(result, yardsticks, options.need, options.layout);
      const qualifying = candidates.filter((c) => c.why.length === 0).map((c) => c.name);
      if (qualifying.length) {
        const bench = await benchInBrowser({ ...options, operations: options.need, backends: qualifying, session });
        applyTimings(candidates, bench.rows);
      }
      const ranked = [...candidates].sort((a, b) => (a.why.length === 0 ? total(a, options.need) : Infinity) - (b.why.length === 0 ? total(b, options.need) : Infinity));
      const pick = ranked.find((c) => c.why.length === 0);
      const palette = paletteFor(context.stdout);
      const table = formatTable(
        [{ header: 'backend' }, { header: 'qualifies' }, { header: 'max err ratio' }, ...options.need.map((op) => ({ header: `${op} ms` })), { header: 'total ms' }],
        ranked.map((c) => [
          c.name,
          c.why.length === 0 ? palette.green('yes') : palette.dim(c.why.join('; ')),
          Number.isNaN(c.maxErrorRatio) ? '-' : formatQuantity(c.maxErrorRatio),
          ...options.need.map((op) => formatMs(c.ms.get(op) ?? Number.NaN)),
          formatMs(c.why.length === 0 ? total(c, options.need) : Number.NaN),
        ]),
      );
      context.stdout.write(`${browserText(session.browser)}\nChoose a backend in the browser for ${shapeText(options.shape, options.layout)}, need ${options.need.join(', ')}\n\n${table}\n\n`);
      context.stdout.write('Measured in the page: a backend qualifies when it runs there and has no unexpected conformance result in the needed operations.\n\n');
      const line = pick
        ? `Recommended in ${session.browser.name} ${session.browser.version}: ${pick.name} (${formatMs(total(pick, options.need))} ms for ${options.need.join(' + ')})`
        : 'No backend qualifies in this browser.';
      context.stdout.write(`${pick ? palette.bold(line) : palette.red(line)}\n`);
      if (raw.json) {
        const document = {
          browser: session.browser,
          shape: options.shape,
          layout: options.layout,
          need: options.need,
          candidates: ranked.map((c) => ({ name: c.name, qualifies: c.why.length === 0, why: c.why, maxErrorRatio: c.maxErrorRatio, ms: Object.fromEntries(c.ms) })),
          recommended: pick?.name ?? null,
        };
        await writeJsonOutput(raw.json, document, jsonContext);
      }
      return pick ? EXIT.ok : EXIT.failure;
    } finally {
      progress.stop();
      await session.close();
    }
  });
}
