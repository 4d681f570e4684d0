import type { BenchEnvironment } from './environment.js';
import type { BenchmarkRow } from './report.js';
import { TRUSTED_WINDOW_MS, type TimingOptions } from './timing.js';

/**
 * Reasons to distrust a run's numbers, each a sentence for the reader: sample windows shorter
 * than `TRUSTED_WINDOW_MS`, fewer than 3 samples (no spread to judge), or a machine whose load
 * average (at the start or the end) reached its processor count, with what that does to PyTorch
 * when it was measured with OpenMP's default wait policy (`ompWaitPolicy` `default`).
 */
export function trustWarnings(rows: readonly BenchmarkRow[], timing: TimingOptions, environment: BenchEnvironment, endLoadAverage: number, ompWaitPolicy?: string): string[] {
  const warnings: string[] = [];
  const short = rows.filter((row) => row.error === undefined && row.windowMs < TRUSTED_WINDOW_MS);
  if (short.length > 0) {
    const shortest = Math.min(...short.map((row) => row.windowMs));
    warnings.push(
      `timing window too short to trust: ${short.length} of ${rows.length} rows sampled over less than ${TRUSTED_WINDOW_MS} ms ` +
        `(shortest ${shortest.toPrecision(2)} ms); one preemption or garbage-collection pause shifts such a sample by tens of percent. ` +
        `Use a minimum time per sample of ${TRUSTED_WINDOW_MS} ms or more.`,
    );
  }
  if (timing.repeats < 3) warnings.push(`only ${timing.repeats} sample(s) per row: min and max say little about the spread. Use 3 or more.`);
  const load = Math.max(environment.loadAverage, endLoadAverage);
  if (load >= environment.cpus) {
    warnings.push(
      `the machine was busy: load average ${load.toFixed(1)} on ${environment.cpus} CPUs; other processes competed for the cores, ` +
        'so times are longer and more spread than on an idle machine. Read the numbers as indicative.' +
        (ompWaitPolicy === 'default'
          ? " PyTorch's OpenMP threads spin while they wait, which on a busy machine can make small shapes ten times slower; OMP_WAIT_POLICY=PASSIVE takes that out."
          : ''),
    );
  }
  return warnings;
}
