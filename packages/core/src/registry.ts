import { BACKEND_SPECIFICATION_VERSION, type Backend } from './backend.js';
import { BnBackendError, describeValue } from './errors.js';

interface Entry {
  readonly backend: Backend;
  readonly priority: number;
  initPromise?: Promise<void>;
  initError?: unknown;
}

const entries = new Map<string, Entry>();

const METHODS = ['init', 'inference', 'trainForward', 'backward', 'dispose'] as const;

/**
 * Registers a backend under its name. A higher priority wins when a caller asks for any backend.
 * Registering the same object again only updates its priority.
 * @throws BnBackendError when the object lacks a method or capabilities, implements another
 *   specification version, or when another backend already holds the name.
 */
export function registerBackend(backend: Backend, priority = 0): void {
  if (typeof backend !== 'object' || backend === null || typeof backend.name !== 'string' || backend.name === '') {
    throw new BnBackendError('backend', 'an object with a non-empty string name', describeValue(backend));
  }
  for (const method of METHODS) {
    if (typeof (backend as unknown as Record<string, unknown>)[method] !== 'function') {
      throw new BnBackendError(`backend.${method}`, 'a function', describeValue((backend as unknown as Record<string, unknown>)[method]));
    }
  }
  if (backend.specificationVersion !== BACKEND_SPECIFICATION_VERSION) {
    throw new BnBackendError('backend.specificationVersion', BACKEND_SPECIFICATION_VERSION, describeValue(backend.specificationVersion));
  }
  const caps = backend.capabilities;
  if (typeof caps !== 'object' || caps === null || !Array.isArray(caps.operations) || !Array.isArray(caps.layouts)) {
    throw new BnBackendError('backend.capabilities', 'operations, layouts, conventions, dtypes and features arrays', describeValue(caps));
  }
  if (!Number.isFinite(priority)) {
    throw new BnBackendError('priority', 'a finite number', describeValue(priority));
  }
  const existing = entries.get(backend.name);
  if (existing && existing.backend !== backend) {
    throw new BnBackendError('backend.name', `a name not yet registered`, `${backend.name} (already registered by another object)`);
  }
  entries.set(backend.name, { ...existing, backend, priority });
}

/** Removes a backend from the registry (it is not disposed). Returns whether it was registered. */
export function unregisterBackend(name: string): boolean {
  return entries.delete(name);
}

/** The registered backends' names, highest priority first. */
export function listBackends(): string[] {
  return [...entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name);
}

async function initialise(entry: Entry): Promise<Backend> {
  entry.initPromise ??= entry.backend.init().catch((error: unknown) => {
    entry.initError = error;
    throw error;
  });
  await entry.initPromise;
  return entry.backend;
}

/**
 * Returns the named backend, initialised once (later calls share the same init).
 * @throws BnBackendError when no backend has that name or its init failed.
 */
export async function getBackend(name: string): Promise<Backend> {
  const entry = entries.get(name);
  if (!entry) {
    throw new BnBackendError('name', `one of the registered backends (${listBackends().join(', ') || 'none'})`, describeValue(name));
  }
  try {
    return await initialise(entry);
  } catch (error) {
    throw new BnBackendError('name', `a backend that initialises`, `${name}: ${errorText(error)}`);
  }
}

/**
 * Returns the first backend that initialises, trying `names` in order, or every registered
 * backend by priority when `names` is omitted.
 * @throws BnBackendError listing every backend tried and why it failed.
 */
export async function resolveBackend(names?: readonly string[]): Promise<Backend> {
  const candidates = names ?? listBackends();
  const failures: string[] = [];
  for (const name of candidates) {
    const entry = entries.get(name);
    if (!entry) {
      failures.push(`${name}: not registered`);
      continue;
    }
    try {
      return await initialise(entry);
    } catch (error) {
      failures.push(`${name}: ${errorText(error)}`);
    }
  }
  throw new BnBackendError(
    'names',
    'at least one backend that initialises',
    failures.length ? failures.join('; ') : 'no backend registered',
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
