export {
  backendOptionHelp,
  loadRegisteredBackends,
  openSelection,
  parseBackendSelection,
  registeredBackendNames,
  type BackendSelection,
  type OpenedBackend,
  type ReadyBackend,
  type UnavailableBackend,
  type UnavailablePackage,
} from './backend-selection.js';
export { chooseBackend, chooseFromConformance, chooseJson, type ChooseBackendOptions, type ChooseResult } from './choose-backend.js';
export type { Candidate } from './choose.js';
export { addJsonOption, reportContext, STANDARD_OUTPUT, writeJsonOutput } from './json-output.js';
export { createProgram, runCli, VERSION } from './program.js';
export { EXIT, UsageError } from './usage-error.js';
export { formatTable, type Align, type Column } from './text-table.js';
