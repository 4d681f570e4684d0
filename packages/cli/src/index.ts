export { BACKEND_NAMES, CATALOG, closeBackends, openBackend, openBackends, type BackendName, type CatalogEntry, type OpenedBackend, type Precision, type ReadyBackend, type UnavailableBackend } from './backends.js';
export { createProgram, runCli } from './program.js';
export { EXIT, UsageError } from './usage-error.js';
export { formatTable, type Align, type Column } from './text-table.js';
