import { parseArgs } from 'node:util';
import type { Layout, Operation } from '@bnkit/core';
import { OPERATIONS } from '@bnkit/core';
import { loadBenchBackends } from './available-backends.js';
import { formatBenchmarkTable } from './format-table.js';
import type { BenchmarkReport } from './report.js';
import { runBenchmark } from './run-benchmark.js';
import { writeJsonAtomic } from './write-json.js';

/** The shapes `pnpm bench` measures. */
const CASES: readonly { shape: number[]; layout: Layout }[] = [
  { shape: [32, 64, 56, 56], layout: 'NCHW' },
  { shape: [256, 1024], layout: 'NC' },
  { shape: [8, 256, 14, 14], layout: 'NCHW' },
  { shape: [1, 112, 112, 32], layout: 'NHWC' },
];

const USAGE = 'usage: bench-cli [--json FILE] [--min-time-ms N] [--repeats N]';

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name}: expected a positive number, got ${JSON.stringify(value)}\n${USAGE}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'string' }, 'min-time-ms': { type: 'string' }, repeats: { type: 'string' } },
  });
  const minTimeMs = positiveNumber('min-time-ms', values['min-time-ms']);
  const repeats = positiveNumber('repeats', values.repeats);
  const slots = await loadBenchBackends();
  const backends = slots.flatMap((slot) => ('backend' in slot ? [slot.backend] : []));
  const operations: readonly Operation[] = OPERATIONS;
  const measured = await runBenchmark({
    backends,
    cases: CASES,
    operations,
    ...(minTimeMs !== undefined ? { minTimeMs } : {}),
    ...(repeats !== undefined ? { repeats: Math.round(repeats) } : {}),
    onProgress: (done, total, label) => process.stderr.write(`\r${done}/${total} ${label}`.padEnd(60)),
  });
  process.stderr.write('\n');
  const unavailable = slots.flatMap((slot) => ('unavailable' in slot ? [{ backend: slot.name, reason: slot.unavailable }] : []));
  const report: BenchmarkReport = { ...measured, unavailable };
  for (const backend of backends) await backend.dispose();
  process.stdout.write(`${formatBenchmarkTable(report)}\n`);
  process.stdout.write(`GB/s counts minimum bytes: inference 8 per element (read x, write y), trainForward and backward 12.\n`);
  if (values.json !== undefined) await writeJsonAtomic(values.json, report);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
