import { FEATURES, LAYOUTS, type Layout, type Operation } from '@bnkit/core';
import { unavailableText, type OpenedBackend } from './backend-selection.js';
import type { Measurement } from './benchmark-run.js';
import type { Palette } from './color.js';
import { summarize } from './conformance-matrix.js';
import { formatMs, formatQuantity } from './format-number.js';
import { isUnexpected, type BackendConformance } from './spec-suite.js';
import { formatTable } from './text-table.js';

/** A backend weighed for a need: whether it qualifies, why not, what it lacks, and its speed. */
export interface Candidate {
  readonly slot: OpenedBackend;
  /**
   * The float64 reference (a `yardstick` in the registry): shown with its conformance for
   * comparison, never measured and never recommended, since it is not a backend to ship.
   */
  readonly yardstick: boolean;
  /** Reasons it does not qualify; empty when it does. */
  readonly disqualified: string[];
  /** Capabilities it does not declare that the need does not require (shown, not held against it). */
  readonly lacks: string[];
  /** Declared known failures among the need's results. */
  readonly knownFailures: number;
  /** Largest error ratio over the need's results that ran (NaN when none). */
  readonly maxErrorRatio: number;
  /** Median milliseconds per needed operation, once measured. */
  readonly medianMs: Map<Operation, number>;
}

/**
 * Weighs each backend for a need from its conformance run restricted to the needed operations:
 * it qualifies when it is available, declares every needed operation and the layout, and has no
 * unexpected result (failure or unexpected pass) in those operations. What it lacks beyond the
 * need (other layouts, features) is noted without holding it against it.
 */
export function assessCandidates(runs: readonly BackendConformance[], need: readonly Operation[], layout: Layout): Candidate[] {
  return runs.map((run) => {
    const { slot } = run;
    const disqualified: string[] = [];
    const lacks: string[] = [];
    const results = (run.report?.results ?? []).filter((result) => need.includes(result.operation));
    if (slot.status === 'unavailable') disqualified.push(unavailableText(slot));
    else {
      const caps = slot.backend.capabilities;
      const missingOps = need.filter((op) => !caps.operations.includes(op));
      if (missingOps.length) disqualified.push(`no ${missingOps.join(', ')}`);
      if (!caps.layouts.includes(layout)) disqualified.push(`no layout ${layout}`);
      if (!run.report) disqualified.push(`conformance error: ${run.error ?? 'no report'}`);
      const unexpected = results.filter(isUnexpected);
      if (unexpected.length) {
        const first = unexpected[0];
        const example = first ? ` (e.g. ${first.id} ${first.operation})` : '';
        disqualified.push(`${unexpected.length} unexpected conformance result(s)${example}`);
      }
      const otherLayouts = LAYOUTS.filter((l) => l !== layout && !caps.layouts.includes(l));
      if (otherLayouts.length) lacks.push(`layouts ${otherLayouts.join(',')}`);
      const features = FEATURES.filter((feature) => !caps.features.includes(feature));
      if (features.length) lacks.push(features.join(', '));
    }
    const summary = summarize(results);
    return {
      slot,
      yardstick: slot.descriptor.role === 'yardstick',
      disqualified,
      lacks,
      knownFailures: summary.counts['expected-failure'],
      maxErrorRatio: summary.maxErrorRatio,
      medianMs: new Map(),
    };
  });
}

/** Records measured medians on the candidates; a measurement error disqualifies its backend. */
export function applyMeasurement(candidates: readonly Candidate[], measurement: Measurement): void {
  for (const candidate of candidates) {
    for (const row of measurement.rows.filter((r) => r.backend === candidate.slot.name)) {
      if (row.error) candidate.disqualified.push(`benchmark error: ${row.error}`);
      else candidate.medianMs.set(row.operation as Operation, row.medianMs);
    }
  }
}

/** Total median milliseconds over the needed operations, or Infinity when one is unmeasured. */
export function totalMs(candidate: Candidate, need: readonly Operation[]): number {
  return need.reduce((total, op) => total + (candidate.medianMs.get(op) ?? Number.POSITIVE_INFINITY), 0);
}

/**
 * Orders candidates fastest first by total median time over the need; unmeasured ones (an
 * infinite total) last, in their original order.
 */
export function byTotalTime(need: readonly Operation[]): (a: Candidate, b: Candidate) => number {
  return (a, b) => {
    const [x, y] = [totalMs(a, need), totalMs(b, need)];
    return x === y ? 0 : x < y ? -1 : 1;
  };
}

/** Whether a candidate can be measured and recommended: it qualifies and is not the yardstick. */
export function isShippable(candidate: Candidate): boolean {
  return candidate.disqualified.length === 0 && !candidate.yardstick;
}

/** The fastest shippable candidate by total median time over the need, if any qualifies; never the yardstick. */
export function recommend(candidates: readonly Candidate[], need: readonly Operation[]): Candidate | undefined {
  const qualifying = candidates.filter((c) => isShippable(c) && Number.isFinite(totalMs(c, need)));
  return qualifying.sort(byTotalTime(need))[0];
}

function qualifiesText(candidate: Candidate, palette: Palette): string {
  if (candidate.disqualified.length > 0) return palette.red('no');
  return candidate.yardstick ? palette.dim('yardstick') : palette.green('yes');
}

function notesText(candidate: Candidate): string {
  if (candidate.disqualified.length > 0) return candidate.disqualified.join('; ');
  const notes = [
    candidate.yardstick ? `the ${candidate.slot.descriptor.precision} reference the others are checked against; not measured or recommended` : '',
    candidate.knownFailures ? `${candidate.knownFailures} known failure(s)` : '',
    candidate.lacks.length ? `lacks ${candidate.lacks.join('; ')}` : '',
  ];
  return notes.filter(Boolean).join('; ');
}

/** The table behind a recommendation: speed per needed operation, total, largest error, and why not / what it lacks. */
export function formatChooseTable(candidates: readonly Candidate[], need: readonly Operation[], palette: Palette): string {
  const rows = candidates.map((c) => {
    const qualifies = c.disqualified.length === 0;
    const notes = notesText(c);
    const total = totalMs(c, need);
    return [
      c.slot.name,
      qualifiesText(c, palette),
      ...need.map((op) => (c.medianMs.has(op) ? formatMs(c.medianMs.get(op) as number) : '-')),
      Number.isFinite(total) ? formatMs(total) : '-',
      Number.isNaN(c.maxErrorRatio) ? '-' : formatQuantity(c.maxErrorRatio),
      qualifies ? notes : palette.red(notes),
    ];
  });
  return formatTable(
    [
      { header: 'backend' },
      { header: 'qualifies' },
      ...need.map((op) => ({ header: `${op} ms`, align: 'right' as const })),
      { header: 'total ms', align: 'right' },
      { header: 'max err ratio', align: 'right' },
      { header: 'why not / lacks' },
    ],
    rows,
  );
}

/** The recommendation sentence, with the runner-up for scale. */
export function recommendationText(candidates: readonly Candidate[], need: readonly Operation[], pick: Candidate | undefined): string {
  if (!pick) return 'No backend qualifies for this need: see the reasons above.';
  const ranked = candidates.filter((c) => c !== pick && isShippable(c) && Number.isFinite(totalMs(c, need)));
  ranked.sort(byTotalTime(need));
  const next = ranked[0];
  const lead = next ? `, ${formatQuantity(totalMs(next, need) / totalMs(pick, need), 3)}x faster than ${next.slot.name}` : '';
  return `Recommended: ${pick.slot.name} (${pick.slot.descriptor.packageName}): fastest backend that passes conformance for ${need.join(
    ' + ',
  )}, ${formatMs(totalMs(pick, need))} ms in total${lead}.`;
}
