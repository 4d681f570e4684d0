import {
  listBackends,
  listUnavailablePackages,
  loadBackendPackages,
  openBackends,
  type OpenedBackend,
  type UnavailableBackend,
  type UnavailablePackage,
} from '@bnkit/core';
import { parseNameList } from './parse-args.js';
import { UsageError } from './usage-error.js';

export type { OpenedBackend, ReadyBackend, UnavailableBackend, UnavailablePackage } from '@bnkit/core';

let loading: Promise<readonly UnavailablePackage[]> | undefined;

/**
 * Imports every backend package of core's `BACKEND_PACKAGES` once, so that each registers its
 * backends. A package that fails to import is recorded with the reason, never thrown (see
 * `listUnavailablePackages`).
 */
export function loadRegisteredBackends(): Promise<readonly UnavailablePackage[]> {
  loading ??= loadBackendPackages((name) => import(name));
  return loading;
}

/**
 * The registered backends that can run in Node, in the order every table lists them: the float64
 * yardstick first, then the backends by the registry's priority.
 */
export function registeredBackendNames(): string[] {
  return [...listBackends({ environment: 'node', role: 'yardstick' }), ...listBackends({ environment: 'node', role: 'backend' })];
}

/** Which backends a command runs, and whether the user named them. */
export interface BackendSelection {
  readonly names: readonly string[];
  /**
   * True when `--backend` was given: a backend that cannot open then fails the run, and with
   * `all` so does a backend package that could not be imported. False for the default (every
   * registered backend), which reports both without failing.
   */
  readonly required: boolean;
  /** True for `--backend all`. */
  readonly everyBackend: boolean;
}

/** The help text of `--backend`, with the registered names. */
export function backendOptionHelp(): string {
  return `comma-separated backends: ${registeredBackendNames().join(', ')}, or all (default: every backend registered here)`;
}

/**
 * Parses `--backend`: absent means every registered backend, `all` the same but required.
 * @throws UsageError naming `option` for an unknown name (the message lists the registered
 *   names and the backend packages that could not be imported).
 */
export function parseBackendSelection(option: string, value: string | undefined): BackendSelection {
  const known = registeredBackendNames();
  if (value === undefined) return { names: known, required: false, everyBackend: false };
  try {
    const names = parseNameList(option, value, known);
    return { names, required: true, everyBackend: value.split(',').some((item) => item.trim() === 'all') };
  } catch (error) {
    const missing = listUnavailablePackages().map(({ packageName }) => packageName);
    if (error instanceof UsageError && missing.length > 0) {
      throw new UsageError(error.argument, `${error.expected}; backend packages that could not be imported: ${missing.join(', ')}`, error.actual);
    }
    throw error;
  }
}

/**
 * Opens the selected backends through the registry, one after the other (created and
 * initialised once per process; `closeAllBackends` disposes them). The runners they go to (spec's
 * conformance, the bench) neither initialise nor dispose what they are given.
 */
export async function openSelection(selection: BackendSelection): Promise<OpenedBackend[]> {
  return openBackends(selection.names);
}

/** Whether a selection's outcome fails the run: a required backend that did not open, or (for `all`) a package that did not import. */
export function selectionFailed(selection: BackendSelection, slots: readonly OpenedBackend[]): boolean {
  if (!selection.required) return false;
  return slots.some((slot) => slot.status === 'unavailable') || (selection.everyBackend && listUnavailablePackages().length > 0);
}

/** The text every table shows for a backend that could not be opened. */
export function unavailableText(slot: UnavailableBackend): string {
  return `unavailable: ${slot.reason}`;
}

/**
 * The lines printed under a report for backend packages that could not be imported (their
 * backends are not registered, so no table can list them); empty when every package imported.
 */
export function unavailablePackagesText(packages: readonly UnavailablePackage[] = listUnavailablePackages()): string {
  if (packages.length === 0) return '';
  return ['Backend packages that could not be imported (their backends are not listed):', ...packages.map(({ packageName, reason }) => `  ${packageName}: ${reason}`)].join('\n');
}
