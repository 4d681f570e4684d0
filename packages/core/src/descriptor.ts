import type { Backend } from './backend.js';
import type { BackendExpectations } from './golden/expectations.js';

/** The arithmetic a backend's outputs are computed in, which decides how tight a check can be. */
export type Precision = 'float64' | 'float32' | 'float16';

/** Where a backend can run. */
export type Environment = 'node' | 'browser';

/**
 * What a backend is for: `backend` is something to ship; `yardstick` (the float64 reference) is
 * what the others are measured against, listed and run but never recommended.
 */
export type BackendRole = 'backend' | 'yardstick';

/**
 * A backend as the registry knows it before it exists: who provides it and how to create it.
 * Each adapter package exports its descriptors and registers them when imported; its engine is
 * loaded only by `create`, so a missing engine makes the backend unavailable, not the package.
 */
export interface BackendDescriptor {
  /** The registry name, e.g. `cpu`, `tfjs-wasm`. */
  readonly name: string;
  /** The npm package that provides it, e.g. `@bnkit/cpu`. */
  readonly packageName: string;
  /** What its outputs are computed in. */
  readonly precision: Precision;
  readonly role: BackendRole;
  /** The environments it can run in. */
  readonly environments: readonly Environment[];
  /** Higher is tried first when a caller asks for any backend. */
  readonly priority: number;
  /** Its known failures and wider tolerances, each with its reason. */
  readonly expectations: BackendExpectations;
  /**
   * Creates a new, uninitialised backend. Rejects (with the reason in the message) when its
   * engine is missing or cannot run in this environment.
   */
  create(): Backend | Promise<Backend>;
}
