import { BACKEND_SPECIFICATION_VERSION, type Backend } from './backend.js';
import type { BackendDescriptor, BackendRole, Environment } from './descriptor.js';
import { BnBackendError, describeValue } from './errors.js';
import type { BackendExpectations } from './golden/expectations.js';

/** A backend that was created and initialised by the registry. */
export interface ReadyBackend {
  readonly name: string;
  readonly status: 'ready';
  readonly descriptor: BackendDescriptor;
  readonly backend: Backend;
  readonly expectations: BackendExpectations;
}

/** A registered backend whose engine could not be created or initialised here, and why. */
export interface UnavailableBackend {
  readonly name: string;
  readonly status: 'unavailable';
  readonly descriptor: BackendDescriptor;
  readonly reason: string;
}

/** A registered backend after the registry tried to open it. */
export type OpenedBackend = ReadyBackend | UnavailableBackend;

/** Which registered backends `listBackends` returns. */
export interface BackendFilter {
  /** Only those that can run there. */
  readonly environment?: Environment;
  /** Only those of this role (`backend` leaves out the float64 yardstick). */
  readonly role?: BackendRole;
}

interface Entry {
  readonly descriptor: BackendDescriptor;
  readonly order: number;
  /** The one instance, created on first open. */
  instance?: Promise<Backend>;
  /** The pending or settled open (create, then init), shared by every caller until the backend is closed. */
  opening?: Promise<OpenedBackend>;
}

const entries = new Map<string, Entry>();
let registrations = 0;

const DESCRIPTOR_FIELDS = [
  ['name', 'string'],
  ['packageName', 'string'],
  ['precision', 'string'],
  ['role', 'string'],
  ['priority', 'number'],
  ['create', 'function'],
] as const;

/**
 * Registers a backend descriptor under its name. Registering the same object again does nothing.
 * @throws BnBackendError when a field is missing or of the wrong type, when the expectations name
 *   another backend, or when another descriptor already holds the name.
 */
export function registerBackend(descriptor: BackendDescriptor): void {
  if (typeof descriptor !== 'object' || descriptor === null) {
    throw new BnBackendError('descriptor', 'a backend descriptor object', describeValue(descriptor));
  }
  const fields = descriptor as unknown as Record<string, unknown>;
  for (const [field, type] of DESCRIPTOR_FIELDS) {
    if (typeof fields[field] !== type || fields[field] === '') {
      throw new BnBackendError(`descriptor.${field}`, `a non-empty ${type}`, describeValue(fields[field]));
    }
  }
  if (!Array.isArray(descriptor.environments) || descriptor.environments.length === 0) {
    throw new BnBackendError('descriptor.environments', 'a non-empty array of "node" and "browser"', describeValue(descriptor.environments));
  }
  if (descriptor.expectations?.backend !== descriptor.name) {
    throw new BnBackendError('descriptor.expectations.backend', describeValue(descriptor.name), describeValue(descriptor.expectations?.backend));
  }
  const existing = entries.get(descriptor.name);
  if (existing) {
    if (existing.descriptor === descriptor) return;
    throw new BnBackendError('descriptor.name', 'a name not yet registered', `${descriptor.name} (already registered by ${existing.descriptor.packageName})`);
  }
  entries.set(descriptor.name, { descriptor, order: registrations++ });
}

/**
 * Removes a backend from the registry, disposing it first when it is open.
 * Returns whether it was registered.
 */
export async function unregisterBackend(name: string): Promise<boolean> {
  if (!entries.has(name)) return false;
  await closeBackend(name);
  return entries.delete(name);
}

/** The registered backends' names, highest priority first, then in registration order. */
export function listBackends(filter: BackendFilter = {}): string[] {
  return [...entries.values()]
    .filter(({ descriptor }) => filter.environment === undefined || descriptor.environments.includes(filter.environment))
    .filter(({ descriptor }) => filter.role === undefined || descriptor.role === filter.role)
    .sort((a, b) => b.descriptor.priority - a.descriptor.priority || a.order - b.order)
    .map(({ descriptor }) => descriptor.name);
}

/**
 * The descriptor registered under `name`.
 * @throws BnBackendError listing the registered names when there is none.
 */
export function getDescriptor(name: string): BackendDescriptor {
  return entryOf(name).descriptor;
}

function entryOf(name: string): Entry {
  const entry = entries.get(name);
  if (!entry) {
    throw new BnBackendError('backend', `one of the registered backends (${listBackends().join(', ') || 'none'})`, describeValue(name));
  }
  return entry;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

const METHODS = ['init', 'inference', 'trainForward', 'backward', 'dispose'] as const;

/** Checks that what a descriptor created fulfils the contract it claims. */
function checkBackend(name: string, backend: Backend): Backend {
  const fields = backend as unknown as Record<string, unknown>;
  for (const method of METHODS) {
    if (typeof fields[method] !== 'function') throw new BnBackendError(`${name}.${method}`, 'a function', describeValue(fields[method]));
  }
  if (backend.specificationVersion !== BACKEND_SPECIFICATION_VERSION) {
    throw new BnBackendError(`${name}.specificationVersion`, BACKEND_SPECIFICATION_VERSION, describeValue(backend.specificationVersion));
  }
  if (backend.name !== name) throw new BnBackendError(`${name}.name`, describeValue(name), describeValue(backend.name));
  return backend;
}

async function open(entry: Entry): Promise<OpenedBackend> {
  const { descriptor } = entry;
  try {
    entry.instance ??= Promise.resolve().then(() => descriptor.create());
    const backend = checkBackend(descriptor.name, await entry.instance);
    await backend.init();
    return { name: descriptor.name, status: 'ready', descriptor, backend, expectations: descriptor.expectations };
  } catch (error) {
    // A failed create is not cached: the next open after closeBackend tries again.
    entry.instance = undefined;
    return { name: descriptor.name, status: 'unavailable', descriptor, reason: reasonOf(error) };
  }
}

/**
 * Creates (once) and initialises (once until it is closed) the named backend. Never rejects for
 * a backend that fails to load: the result is then `unavailable` with the reason, so one broken
 * engine leaves the others running. Concurrent callers share one creation and one init.
 * @throws BnBackendError when no backend has that name.
 */
export function openBackend(name: string): Promise<OpenedBackend> {
  const entry = entryOf(name);
  entry.opening ??= open(entry);
  return entry.opening;
}

/**
 * Opens several backends one after the other (engines compete for the same cores); every
 * registered backend by priority when `names` is omitted.
 * @throws BnBackendError when a name is not registered (before anything is opened).
 */
export async function openBackends(names: readonly string[] = listBackends()): Promise<OpenedBackend[]> {
  for (const name of names) entryOf(name);
  const opened: OpenedBackend[] = [];
  for (const name of names) opened.push(await openBackend(name));
  return opened;
}

/**
 * The named backend, created and initialised once.
 * @throws BnBackendError when no backend has that name or it is unavailable here (with the reason).
 */
export async function getBackend(name: string): Promise<Backend> {
  const opened = await openBackend(name);
  if (opened.status === 'ready') return opened.backend;
  throw new BnBackendError('backend', 'a backend that initialises', `${name}: ${opened.reason}`);
}

/**
 * The first backend that opens, trying `names` in order, or every registered backend by
 * priority when omitted.
 * @throws BnBackendError listing every backend tried and why it failed.
 */
export async function resolveBackend(names?: readonly string[]): Promise<Backend> {
  const failures: string[] = [];
  for (const name of names ?? listBackends()) {
    if (!entries.has(name)) {
      failures.push(`${name}: not registered`);
      continue;
    }
    const opened = await openBackend(name);
    if (opened.status === 'ready') return opened.backend;
    failures.push(`${name}: ${opened.reason}`);
  }
  throw new BnBackendError('backends', 'at least one backend that initialises', failures.length ? failures.join('; ') : 'no backend registered');
}

/**
 * Disposes the named backend once if it is open; the next `openBackend` initialises the same
 * instance again. Closing a backend that is not open does nothing. A failing dispose rejects
 * after the registry has forgotten the open.
 */
export async function closeBackend(name: string): Promise<void> {
  const entry = entries.get(name);
  const opening = entry?.opening;
  if (!entry || !opening) return;
  entry.opening = undefined;
  const opened = await opening;
  if (opened.status === 'ready') await opened.backend.dispose();
}

/** Closes every open backend; a failing dispose does not stop the others (the first failure is rethrown at the end). */
export async function closeAllBackends(): Promise<void> {
  const failures: unknown[] = [];
  for (const name of entries.keys()) {
    await closeBackend(name).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}
