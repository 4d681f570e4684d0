export { BYTES_PER_ELEMENT, gigabytesPerSecond, minimumBytes } from './bytes.js';
export { measureCopy, type CopyMeasurement } from './copy-baseline.js';
export { formatBenchmarkTable } from './format-table.js';
export { caseData, hasAllocator, operationCall, type AllocatingBackend, type CaseData, type OperationCall } from './inputs.js';
export { COPY_BASELINE, type BenchmarkReport, type BenchmarkRow } from './report.js';
export { runBenchmark, type BenchmarkOptions } from './run-benchmark.js';
export { median, timeCall, type TimingOptions } from './timing.js';
export { loadBenchBackends, type BackendSlot } from './available-backends.js';
