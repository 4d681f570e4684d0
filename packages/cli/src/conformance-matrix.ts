import { unavailableText } from './backend-selection.js';
import type { Palette } from './color.js';
import type { CaseResult, CaseStatus } from '@bnkit/spec';
import { formatQuantity } from './format-number.js';
import type { NodeTestOutcome } from './onnx-node-tests.js';
import { isUnexpected, type BackendConformance } from './spec-suite.js';
import { formatTable, type Column } from './text-table.js';

/** Per-status counts and the largest error of a set of results. */
export interface CellSummary {
  readonly counts: Readonly<Record<CaseStatus, number>>;
  /** Largest error ratio over results that count (not unsupported, not expected failures); NaN when none. */
  readonly maxErrorRatio: number;
  readonly maxAbsError: number;
}

const LABELS: readonly (readonly [CaseStatus, string])[] = [
  ['passed', 'pass'],
  ['expected-failure', 'xfail'],
  ['unsupported', 'unsupported'],
  ['failed', 'FAIL'],
  ['unexpected-pass', 'XPASS'],
];

/** Counts results by status and finds their largest error, leaving out what did not run or was known to fail. */
export function summarize(results: readonly CaseResult[]): CellSummary {
  const counts: Record<CaseStatus, number> = { passed: 0, failed: 0, unsupported: 0, 'expected-failure': 0, 'unexpected-pass': 0 };
  let maxErrorRatio = Number.NaN;
  let maxAbsError = Number.NaN;
  for (const result of results) {
    counts[result.status] += 1;
    if (result.status === 'unsupported' || result.status === 'expected-failure') continue;
    if (!(result.maxErrorRatio <= maxErrorRatio)) maxErrorRatio = result.maxErrorRatio;
    if (!(result.maxAbsError <= maxAbsError)) maxAbsError = result.maxAbsError;
  }
  return { counts, maxErrorRatio, maxAbsError };
}

/** One matrix cell: counts by status and the largest error ratio. */
export function cellText(summary: CellSummary, palette: Palette): string {
  const parts: string[] = [];
  for (const [status, label] of LABELS) {
    const count = summary.counts[status];
    if (count === 0) continue;
    const text = `${label} ${count}`;
    if (status === 'passed') parts.push(palette.green(text));
    else if (status === 'expected-failure') parts.push(palette.yellow(text));
    else if (status === 'unsupported') parts.push(palette.dim(text));
    else parts.push(palette.red(text));
  }
  if (parts.length === 0) return '-';
  const error = Number.isNaN(summary.maxErrorRatio) ? '' : `  max ${formatQuantity(summary.maxErrorRatio)}`;
  return parts.join(' · ') + error;
}

function nodeTestCell(outcome: NodeTestOutcome | undefined, palette: Palette): string {
  if (!outcome) return '-';
  if (outcome.kind === 'not-supported') return palette.dim('not supported');
  if (outcome.kind === 'error') return palette.red(`error: ${outcome.reason}`);
  const passed = outcome.results.filter((r) => r.passed).length;
  const failed = outcome.results.length - passed;
  const parts = [palette.green(`pass ${passed}`)];
  if (failed > 0) parts.push(palette.red(`FAIL ${failed}`));
  const errors = outcome.results.map((r) => r.maxError).filter((e): e is number => typeof e === 'number');
  const max = errors.length ? `  max abs ${formatQuantity(Math.max(...errors))}` : '';
  return parts.join(' · ') + max;
}

/** The groups of a set of runs, in the order their cases first appear. */
export function groupsOf(runs: readonly BackendConformance[]): string[] {
  const groups: string[] = [];
  for (const run of runs) {
    for (const result of run.report?.results ?? []) if (!groups.includes(result.group)) groups.push(result.group);
  }
  return groups;
}

/** Whether a backend's conformance run broke: unavailable, the suite threw, or an unexpected result. */
export function runFailed(run: BackendConformance, nodeTests?: NodeTestOutcome): boolean {
  if (!run.report) return true;
  if (run.report.results.some(isUnexpected)) return true;
  if (nodeTests?.kind === 'error') return true;
  return nodeTests?.kind === 'ran' && nodeTests.results.some((r) => !r.passed);
}

function statusText(run: BackendConformance, nodeTests: NodeTestOutcome | undefined, palette: Palette): string {
  if (run.slot.status === 'unavailable') return palette.red(unavailableText(run.slot));
  if (!run.report) return palette.red(`error: ${run.error ?? 'no report'}`);
  const unexpected = run.report.results.filter(isUnexpected).length;
  if (unexpected > 0) return palette.red(`FAILED (${unexpected} unexpected)`);
  return runFailed(run, nodeTests) ? palette.red('FAILED (ONNX node tests)') : palette.green('ok');
}

/**
 * The conformance matrix: one row per group of cases (plus the ONNX node tests when asked for),
 * one column per backend, each cell counting results by status with the largest error ratio;
 * then one row per backend with its totals and overall status (`ok`, `FAILED (...)`,
 * `unavailable: <reason>`). Groups are rows so that the table stays narrow as groups are added.
 */
export function formatConformanceMatrix(
  runs: readonly BackendConformance[],
  palette: Palette,
  nodeTests?: ReadonlyMap<string, NodeTestOutcome>,
): string {
  const groups = groupsOf(runs);
  const missing = (run: BackendConformance): string => palette.red(run.slot.status === 'unavailable' ? 'unavailable' : 'error');
  const matrixRows = groups.map((group) => [
    group,
    ...runs.map((run) => (run.report ? cellText(summarize(run.report.results.filter((r) => r.group === group)), palette) : missing(run))),
  ]);
  if (nodeTests) matrixRows.push(['onnx node tests', ...runs.map((run) => nodeTestCell(nodeTests.get(run.slot.name), palette))]);
  const matrix = formatTable([{ header: 'group' }, ...runs.map((run) => ({ header: run.slot.name }))], matrixRows);
  const statusRows = runs.map((run) => [
    run.slot.name,
    run.report ? cellText(summarize(run.report.results), palette) : '-',
    statusText(run, nodeTests?.get(run.slot.name), palette),
  ]);
  const status = formatTable([{ header: 'backend' }, { header: 'all cases' }, { header: 'status' }], statusRows);
  return `${matrix}\n\n${status}`;
}

/** The legend printed under the matrix: what the counts and the error mean. */
export const MATRIX_LEGEND = [
  'Cells count (case, operation) results: pass, xfail (a known failure the backend declares, with its reason),',
  'unsupported (a capability the backend does not declare), FAIL (unexpected failure), XPASS (a declared failure that passed).',
  '"max" is the largest error ratio |actual - expected| / (abs + rel * |expected|) over the results that ran,',
  'known failures left out: at most 1 is within the case tolerance. ONNX node tests (run by onnxruntime only) show',
  'the largest absolute error; each passes within abs 1e-7 + rel 1e-3, the ONNX backend tests\' tolerance.',
].join('\n');

/** One line per unexpected result, for the list under the matrix; empty when there is none. */
export function formatUnexpected(runs: readonly BackendConformance[], palette: Palette): string {
  const rows: string[][] = [];
  for (const run of runs) {
    for (const result of run.report?.results ?? []) {
      if (!isUnexpected(result)) continue;
      rows.push([
        run.slot.name,
        result.id,
        result.operation,
        palette.red(result.status),
        formatQuantity(result.maxErrorRatio),
        formatQuantity(result.maxAbsError),
        [result.worst, result.reason].filter(Boolean).join('; '),
      ]);
    }
  }
  if (rows.length === 0) return '';
  return formatTable(
    [
      { header: 'backend' },
      { header: 'case' },
      { header: 'op' },
      { header: 'status' },
      { header: 'error ratio', align: 'right' },
      { header: 'abs error', align: 'right' },
      { header: 'where / why' },
    ],
    rows,
  );
}
