import { WARM_UP_WINDOWS, gigabytesPerSecond, median, minimumBytes } from '@bnkit/bench';
import type { Layout, Operation } from '@bnkit/core';
import { openBrowserSession, type BrowserInfo, type BrowserSession, type BrowserSessionOptions } from './browser-session.js';
import type { PageTiming } from './page/protocol.js';

/** The name of the memory-copy baseline's rows. */
export const BROWSER_COPY_BASELINE = 'copy';

/** Options of `benchInBrowser`. */
export interface BrowserBenchOptions extends BrowserSessionOptions {
  /** Backends to time, by registry name; default every backend registered in the page. */
  readonly backends?: readonly string[];
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly operations: readonly Operation[];
  /** Each sample repeats the call for at least this long (ms); default 100. */
  readonly minTimeMs?: number;
  /** Samples per measurement; default 7. */
  readonly repeats?: number;
  /** Calls repeated before the first sample, in ms; default `WARM_UP_WINDOWS * minTimeMs`. */
  readonly warmUpMs?: number;
  /** A session to run in (left open); default a new one, closed at the end. */
  readonly session?: BrowserSession;
}

/** One measured (backend, operation) in the page; NaN numbers and `error` when it could not be timed. */
export interface BrowserBenchRow {
  readonly backend: string;
  readonly operation: Operation;
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  /** The minimum bytes the operation must move (`@bnkit/bench`'s `minimumBytes`) over the median time. */
  readonly gbPerSec: number;
  /** GB/s over the copy baseline's GB/s for the same bytes, measured in the same page. */
  readonly ratioToCopy: number;
  readonly error?: string;
}

/** A benchmark run in a browser. */
export interface BrowserBench {
  readonly browser: BrowserInfo;
  readonly rows: readonly BrowserBenchRow[];
}

function toRow(timing: PageTiming, options: BrowserBenchOptions, copy: Map<Operation, number>): BrowserBenchRow {
  const base = { backend: timing.subject, operation: timing.operation, shape: options.shape, layout: options.layout };
  if (timing.error !== undefined || timing.samplesMs.length === 0) {
    return { ...base, minMs: Number.NaN, medianMs: Number.NaN, maxMs: Number.NaN, gbPerSec: Number.NaN, ratioToCopy: Number.NaN, error: timing.error ?? 'no samples' };
  }
  const medianMs = median(timing.samplesMs);
  const gbPerSec = gigabytesPerSecond(minimumBytes(options.shape, timing.operation), medianMs);
  const copyGbPerSec = copy.get(timing.operation) ?? Number.NaN;
  return { ...base, minMs: Math.min(...timing.samplesMs), medianMs, maxMs: Math.max(...timing.samplesMs), gbPerSec, ratioToCopy: gbPerSec / copyGbPerSec };
}

/**
 * Times backends inside a real headless Chromium, next to a memory copy of the same bytes
 * (`Float32Array.prototype.set`) timed in the same page, as `@bnkit/bench` does in Node. A backend
 * the browser cannot provide gives rows with the browser's reason as `error`.
 * @throws ChromiumNotFoundError when no Chromium is installed; Error when the page cannot start.
 */
export async function benchInBrowser(options: BrowserBenchOptions): Promise<BrowserBench> {
  const session = options.session ?? (await openBrowserSession(options));
  try {
    const inPage = new Set(session.page.backends.map((backend) => backend.name));
    const names = options.backends ?? [...inPage];
    const copyBytes = Object.fromEntries(options.operations.map((operation) => [operation, minimumBytes(options.shape, operation)]));
    const minTimeMs = options.minTimeMs ?? 100;
    const timings = await session.call('bench', names.filter((name) => inPage.has(name)), {
      shape: options.shape,
      layout: options.layout,
      operations: options.operations,
      minTimeMs,
      repeats: options.repeats ?? 7,
      warmUpMs: options.warmUpMs ?? WARM_UP_WINDOWS * minTimeMs,
      copyBytes,
    });
    const missing: PageTiming[] = names
      .filter((name) => !inPage.has(name))
      .flatMap((name) => options.operations.map((operation) => ({ subject: name, operation, samplesMs: [], error: `${name} is not available in the page` })));
    const copy = new Map<Operation, number>();
    for (const timing of timings.filter((t) => t.subject === BROWSER_COPY_BASELINE && t.samplesMs.length > 0)) {
      copy.set(timing.operation, gigabytesPerSecond(minimumBytes(options.shape, timing.operation), median(timing.samplesMs)));
    }
    return { browser: session.browser, rows: [...timings, ...missing].map((timing) => toRow(timing, options, copy)) };
  } finally {
    if (!options.session) await session.close();
  }
}
