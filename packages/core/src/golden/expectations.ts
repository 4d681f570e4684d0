import type { Operation } from '../backend.js';
import type { CaseTolerances } from './format.js';

/**
 * A case a backend is known to fail, with why. The conformance suite runs it as an expected
 * failure: if it passes, the run fails, so that a fixed bug cannot hide behind a stale entry.
 */
export interface ExpectedFailure {
  /** A case id, or an id prefix ending in `*` (`nchw/offset-1e4*`). */
  readonly id: string;
  /** The operation that fails; all of the case's operations when omitted. */
  readonly operation?: Operation;
  /** Why it fails, in one line a user can act on. */
  readonly reason: string;
}

/** A tolerance wider than a case's own, declared by a backend with its reason. */
export interface ToleranceOverride {
  /** A case id, an id prefix ending in `*`, or `*` for every case. */
  readonly id: string;
  readonly operation?: Operation;
  /** Replaces the case's tolerance for these kinds of output. */
  readonly tolerance: Partial<CaseTolerances>;
  readonly reason: string;
}

/** What one backend declares about its conformance: known failures and wider tolerances, each with a reason. */
export interface BackendExpectations {
  /** The backend's registry name. */
  readonly backend: string;
  readonly expectedFailures: readonly ExpectedFailure[];
  readonly toleranceOverrides: readonly ToleranceOverride[];
}
