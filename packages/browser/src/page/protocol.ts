import type { Layout, Operation, Precision } from '@bnkit/core';
import type { ConformanceReport, HardeningReport, PropertyReport } from '@bnkit/spec';

/**
 * What the page and the Node runner exchange (types only: both sides import this module). The
 * page installs a `PageApi` as `globalThis.__bnkit`; the runner calls it through Playwright.
 */

/** A backend registered in the page. */
export interface PageBackend {
  readonly name: string;
  readonly packageName: string;
  readonly precision: Precision;
  readonly role: 'backend' | 'yardstick';
  readonly environments: readonly string[];
}

/** What the page found when it loaded. */
export interface PageInfo {
  /** Whether the page is cross-origin isolated (needed for SharedArrayBuffer and wasm threads). */
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  /** The WebGPU adapter the page gets (`vendor architecture`), or why there is none. */
  readonly webgpu: string;
  /** Registered backends, highest priority first. */
  readonly backends: readonly PageBackend[];
  /** Backend packages that could not be imported in the page, with why. */
  readonly unavailablePackages: readonly { readonly packageName: string; readonly reason: string }[];
}

/** One backend's run of the suite in the page. */
export interface PageConformanceRun {
  readonly name: string;
  readonly status: 'ready' | 'unavailable';
  /** unavailable: why the browser cannot provide it. */
  readonly reason?: string;
  readonly report?: ConformanceReport;
  readonly properties?: PropertyReport;
  /** The suite's hardening checks (typed errors, finite outputs on extreme inputs, aliasing). */
  readonly hardening?: HardeningReport;
  /** Set when the suite itself threw. */
  readonly error?: string;
  /** What the backend computes in here and other facts of this browser (e.g. WebGL texture precision). */
  readonly notes?: Readonly<Record<string, string>>;
}

/** Options of one conformance run in the page. */
export interface PageConformanceOptions {
  /** Only these operations of each case (all when omitted). */
  readonly operations?: readonly Operation[];
  /** Random cases per operation of the property checks; 0 skips them; default spec's. */
  readonly propertyRuns?: number;
  /** Whether to run spec's hardening checks on backends to ship (not the yardstick) too; default true. */
  readonly hardening?: boolean;
}

/** Options of a timing run in the page. */
export interface PageBenchOptions {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly operations: readonly Operation[];
  /** Each sample repeats the call for at least this long (ms). */
  readonly minTimeMs: number;
  /** Samples per measurement. */
  readonly repeats: number;
  /** Calls repeated before the first sample (ms). */
  readonly warmUpMs: number;
  /** The bytes each operation must move (`@bnkit/bench`'s `minimumBytes`), for the copy baseline. */
  readonly copyBytes: Readonly<Partial<Record<Operation, number>>>;
}

/** Per-call times of one (subject, operation) in ms, one per sample, or why it could not be timed. */
export interface PageTiming {
  /** A backend name, or `copy` for the memory-copy baseline. */
  readonly subject: string;
  readonly operation: Operation;
  readonly samplesMs: readonly number[];
  readonly error?: string;
}

/** The page's API. */
export interface PageApi {
  info(): Promise<PageInfo>;
  conformance(name: string, options: PageConformanceOptions): Promise<PageConformanceRun>;
  bench(names: readonly string[], options: PageBenchOptions): Promise<PageTiming[]>;
}

/** The name of the function the runner exposes to the page for progress: (backend, done, total). */
export const PROGRESS_FUNCTION = '__bnkitProgress';
