import type { Layout, Operation } from '@bnkit/core';
import { loadRegisteredBackends, openSelection, registeredBackendNames, type OpenedBackend } from './backend-selection.js';
import { loadBench, measure, type Measurement, type Timing } from './benchmark-run.js';
import { applyMeasurement, assessCandidates, byTotalTime, isShippable, recommend, totalMs, type Candidate } from './choose.js';
import type { Progress } from './progress.js';
import { loadCases, loadSpec, restrictCases, runSuite, runSuiteWithProgress, type BackendConformance } from './spec-suite.js';

/** What to choose a backend for. */
export interface ChooseBackendOptions {
  /** The input shape, in layout order. */
  readonly shape: readonly number[];
  readonly layout: Layout;
  /** The operations the backend must run (core's names). */
  readonly need: readonly Operation[];
  /** Registered backend names to weigh; every backend registered for Node when omitted. */
  readonly backends?: readonly string[];
  /** How long `@bnkit/bench` measures; its defaults when omitted. */
  readonly timing?: Timing;
  /** Where to show progress; none when omitted. */
  readonly progress?: Progress;
}

/** What `chooseBackend` found: every backend weighed, fastest first, and the one it recommends. */
export interface ChooseResult {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly need: readonly Operation[];
  /** Every backend weighed, qualifying ones fastest first by total median time over the need. */
  readonly candidates: readonly Candidate[];
  /** The fastest qualifying backend that is not the yardstick; absent when none qualifies. */
  readonly recommended?: Candidate;
  /** The timing of the qualifying backends, with the copy baseline. */
  readonly measurement: Measurement;
}

const SILENT: Progress = { start: () => undefined, update: () => undefined, stop: () => undefined };

/**
 * Weighs backends whose conformance on the needed operations is known (`runs`), measures the
 * shippable ones on the shape through `@bnkit/bench`, and picks the fastest. The yardstick (the
 * float64 reference) is shown but never measured or recommended.
 */
export async function chooseFromConformance(
  runs: readonly BackendConformance[],
  options: Pick<ChooseBackendOptions, 'shape' | 'layout' | 'need' | 'timing' | 'progress'>,
): Promise<ChooseResult> {
  const candidates = assessCandidates(runs, options.need, options.layout);
  const shippable: OpenedBackend[] = candidates.filter(isShippable).map((c) => c.slot);
  let measurement: Measurement = { rows: [], baseline: [] };
  if (shippable.length > 0) {
    measurement = await measure(await loadBench(), shippable, options.shape, options.layout, options.need, options.timing ?? {}, options.progress ?? SILENT);
    applyMeasurement(candidates, measurement);
  }
  candidates.sort(byTotalTime(options.need));
  const recommended = recommend(candidates, options.need);
  return { shape: options.shape, layout: options.layout, need: options.need, candidates, measurement, ...(recommended ? { recommended } : {}) };
}

/**
 * Recommends the fastest backend that passes conformance for a need on a shape: imports every
 * backend package, opens the backends through core's registry, runs the golden cases of the
 * needed operations on each, measures the qualifying ones with `@bnkit/bench` and returns them
 * fastest first with the pick. The float64 reference may be weighed as the yardstick but is
 * never recommended. The backends stay open in the registry, shared with the caller; call core's
 * `closeAllBackends()` when done.
 * @throws BnBackendError for a name that is not registered; whatever loading the golden vectors throws.
 */
export async function chooseBackend(options: ChooseBackendOptions): Promise<ChooseResult> {
  await loadRegisteredBackends();
  const spec = await loadSpec();
  const cases = restrictCases(await loadCases(spec), options.need);
  const slots = await openSelection({ names: options.backends ?? registeredBackendNames(), required: false, everyBackend: false });
  const runs = options.progress ? await runSuiteWithProgress(spec, slots, cases, options.progress) : await runSuite(spec, slots, cases);
  return chooseFromConformance(runs, options);
}

/** The JSON document of a choice: the need, every candidate with its times and reasons, and the pick. */
export function chooseJson(result: ChooseResult): unknown {
  return {
    shape: result.shape,
    layout: result.layout,
    need: result.need,
    recommended: result.recommended ? { name: result.recommended.slot.name, packageName: result.recommended.slot.descriptor.packageName, totalMs: totalMs(result.recommended, result.need) } : null,
    candidates: result.candidates.map((c) => ({
      name: c.slot.name,
      packageName: c.slot.descriptor.packageName,
      role: c.slot.descriptor.role,
      status: c.slot.status,
      qualifies: c.disqualified.length === 0,
      disqualified: c.disqualified,
      lacks: c.lacks,
      knownFailures: c.knownFailures,
      maxErrorRatio: Number.isNaN(c.maxErrorRatio) ? null : c.maxErrorRatio,
      medianMs: Object.fromEntries(c.medianMs),
      totalMs: Number.isFinite(totalMs(c, result.need)) ? totalMs(c, result.need) : null,
    })),
    environment: result.measurement.report?.environment ?? null,
  };
}
