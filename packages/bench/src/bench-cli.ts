import { parseArgs } from 'node:util';
import { closeAllBackends, OPERATIONS } from '@bnkit/core';
import { DEFAULT_CASES, caseText, parseCases } from './cases.js';
import { formatBenchmarkTable } from './format-table.js';
import { openBenchBackends } from './registered-backends.js';
import { runBenchmark } from './run-benchmark.js';
import { DEFAULT_TIMING, WARM_UP_WINDOWS } from './timing.js';
import { jsonText, writeJsonAtomic } from './write-json.js';

const USAGE = [
  'usage: bench-cli [--shapes LIST] [--backend NAMES] [--json FILE|-] [--min-time-ms N] [--repeats N] [--warm-up-ms N] [--no-pytorch] [--python EXE]',
  `  --shapes       cases as DIMSxDIMS:LAYOUT, comma-separated (default ${DEFAULT_CASES.map(caseText).join(',')})`,
  '  --backend      comma-separated registered backends (default: every one available here)',
  '  --json         also write the report as JSON to FILE, or to standard output with -',
  `  --min-time-ms  least time per sample (default ${DEFAULT_TIMING.minTimeMs}); --repeats: samples per row (default ${DEFAULT_TIMING.repeats})`,
  `  --warm-up-ms   calls repeated before a row's first sample (default ${WARM_UP_WINDOWS} sample windows, ${DEFAULT_TIMING.warmUpMs} ms by default)`,
  '  --no-pytorch   do not look for PyTorch; --python EXE: the interpreter with torch (default python3, then /usr/bin/python3)',
].join('\n');

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name}: expected a positive number, got ${JSON.stringify(value)}\n${USAGE}`);
  return n;
}

async function main(): Promise<void> {
  // `pnpm bench -- --backend cpu` hands the script a leading `--`; options follow it.
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : args,
    options: {
      shapes: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'string' },
      'min-time-ms': { type: 'string' },
      repeats: { type: 'string' },
      'warm-up-ms': { type: 'string' },
      'no-pytorch': { type: 'boolean' },
      python: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const cases = values.shapes === undefined ? DEFAULT_CASES : parseCases(values.shapes);
  const minTimeMs = positiveNumber('min-time-ms', values['min-time-ms']);
  const repeats = positiveNumber('repeats', values.repeats);
  const warmUpMs = values['warm-up-ms'] === '0' ? 0 : positiveNumber('warm-up-ms', values['warm-up-ms']);
  const { backends, skipped } = await openBenchBackends(values.backend?.split(',').map((name) => name.trim()));
  try {
    const report = await runBenchmark({
      backends,
      skipped,
      cases,
      operations: OPERATIONS,
      pytorch: values['no-pytorch'] ? false : values.python !== undefined ? [values.python] : true,
      ...(minTimeMs !== undefined ? { minTimeMs } : {}),
      ...(repeats !== undefined ? { repeats: Math.round(repeats) } : {}),
      ...(warmUpMs !== undefined ? { warmUpMs } : {}),
      onProgress: (done, total, label) => process.stderr.write(process.stderr.isTTY ? `\r${`${done}/${total} ${label}`.padEnd(80)}` : `${done}/${total} ${label}\n`),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (values.json === '-') {
      process.stdout.write(jsonText(report));
      return;
    }
    process.stdout.write(`${formatBenchmarkTable(report)}\n`);
    if (values.json !== undefined) await writeJsonAtomic(values.json, report);
  } finally {
    await closeAllBackends();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
