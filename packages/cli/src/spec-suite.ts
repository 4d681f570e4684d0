import { BnError, describeValue, type GoldenCase, type Operation } from '@bnkit/core';
import type { OpenedBackend } from './backend-selection.js';
import type { CaseResult, ConformanceReport } from '@bnkit/spec';
import { firstLine, importPackage, requireExport } from './load-package.js';
import type { Progress } from './progress.js';
import { UsageError } from './usage-error.js';

/** The functions of `@bnkit/spec` the CLI calls. */
export type SpecModule = Pick<typeof import('@bnkit/spec'), 'loadVectors' | 'runConformance'>;

/**
 * Loads `@bnkit/spec`'s suite runner and vector loader.
 * @throws BnBackendError when the package is missing, unbuilt or lacks either function.
 */
export async function loadSpec(): Promise<SpecModule> {
  const module = await importPackage('@bnkit/spec');
  return {
    loadVectors: requireExport<SpecModule['loadVectors']>(module, '@bnkit/spec', 'loadVectors'),
    runConformance: requireExport<SpecModule['runConformance']>(module, '@bnkit/spec', 'runConformance'),
  };
}

/**
 * The shared golden cases followed by those of each extra directory, in the order given.
 * @throws UsageError naming `--vectors` when an extra case reuses an id already loaded (ids are
 *   what reports and expectations refer to); whatever `loadVectors` throws for an unreadable or
 *   malformed directory (as a UsageError naming `--vectors` for an extra one).
 */
export async function loadCases(spec: SpecModule, extraDirs: readonly string[] = []): Promise<GoldenCase[]> {
  const cases = [...(await spec.loadVectors())];
  const ids = new Set(cases.map((goldenCase) => goldenCase.id));
  for (const dir of extraDirs) {
    for (const goldenCase of await loadExtraVectors(spec, dir)) {
      if (ids.has(goldenCase.id)) {
        throw new UsageError(`--vectors ${dir}`, 'cases whose ids no other loaded case uses', `duplicate id ${describeValue(goldenCase.id)}`);
      }
      ids.add(goldenCase.id);
      cases.push(goldenCase);
    }
  }
  return cases;
}

/**
 * Keeps only the named operations of each case, dropping cases left with none: the suite then
 * checks exactly what a need covers (backward cases take their saved statistics from the vector,
 * so they stand alone).
 */
export function restrictCases(cases: readonly GoldenCase[], operations: readonly Operation[]): GoldenCase[] {
  return cases
    .map((goldenCase) => ({ ...goldenCase, operations: goldenCase.operations.filter((op) => operations.includes(op)) }))
    .filter((goldenCase) => goldenCase.operations.length > 0);
}

async function loadExtraVectors(spec: SpecModule, dir: string): Promise<GoldenCase[]> {
  try {
    return await spec.loadVectors(dir);
  } catch (error) {
    if (error instanceof BnError) throw new UsageError(`--vectors: ${error.argument}`, error.expected, error.actual);
    throw error;
  }
}

/** The conformance of one registered backend: its report, or why there is none. */
export interface BackendConformance {
  readonly slot: OpenedBackend;
  readonly report?: ConformanceReport;
  /** Set when the suite itself threw for this backend. */
  readonly error?: string;
}

/**
 * Runs the suite on every ready backend, one after another. An unavailable backend, or one on
 * which the suite throws, gets an entry without a report.
 */
export async function runSuite(
  spec: SpecModule,
  slots: readonly OpenedBackend[],
  cases: readonly GoldenCase[],
  onResult?: (backend: string, result: CaseResult) => void,
): Promise<BackendConformance[]> {
  const runs: BackendConformance[] = [];
  for (const slot of slots) {
    if (slot.status !== 'ready') {
      runs.push({ slot });
      continue;
    }
    try {
      const report = await spec.runConformance(slot.backend, {
        expectations: slot.expectations,
        cases,
        onResult: (result) => onResult?.(slot.name, result),
      });
      runs.push({ slot, report });
    } catch (error) {
      runs.push({ slot, error: firstLine(error instanceof Error ? error.message : String(error)) });
    }
  }
  return runs;
}

/** Results that break a run: a failure, or a known failure that now passes (its entry is stale). */
export function isUnexpected(result: CaseResult): boolean {
  return result.status === 'failed' || result.status === 'unexpected-pass';
}

/** The number of (case, operation) pairs a run of these cases reports, for progress. */
export function resultCount(cases: readonly GoldenCase[]): number {
  return cases.reduce((total, goldenCase) => total + goldenCase.operations.length, 0);
}

/** `runSuite` with its results counted on a progress display. */
export async function runSuiteWithProgress(
  spec: SpecModule,
  slots: readonly OpenedBackend[],
  cases: readonly GoldenCase[],
  progress: Progress,
): Promise<BackendConformance[]> {
  let done = 0;
  progress.start(resultCount(cases) * slots.filter((slot) => slot.status === 'ready').length, 'conformance');
  const runs = await runSuite(spec, slots, cases, (backend) => progress.update(++done, `conformance ${backend}`));
  progress.stop();
  return runs;
}
