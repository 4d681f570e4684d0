import { getDescriptor, listBackends, type Operation } from '@bnkit/core';
import { openBrowserSession, type BrowserInfo, type BrowserSession, type BrowserSessionOptions } from './browser-session.js';
import type { PageConformanceRun } from './page/protocol.js';

/** Options of `runConformanceInBrowser`. */
export interface BrowserConformanceOptions extends BrowserSessionOptions {
  /**
   * The backends to run, by registry name. Default: every backend registered in the page, then
   * those registered here in Node whose package is installed but does not bundle for a browser
   * (reported unavailable, with esbuild's reason).
   */
  readonly backends?: readonly string[];
  /** Only these operations of each case (all by default). */
  readonly operations?: readonly Operation[];
  /** Random cases per operation of the property checks; 0 skips them; default spec's. */
  readonly propertyRuns?: number;
  /** Whether to run spec's hardening checks on backends to ship (not the yardstick) too; default true. */
  readonly hardening?: boolean;
  /** A session to run in (left open); default a new one, closed at the end. */
  readonly session?: BrowserSession;
}

/** The suite's results in a browser: the same reports as in Node, per backend, and the browser. */
export interface BrowserConformance {
  readonly browser: BrowserInfo;
  readonly runs: readonly PageConformanceRun[];
  /** True when no backend that ran had a failure, an unexpected pass, a failed property or hardening check, or an error (unavailable ones are listed, not failed). */
  readonly ok: boolean;
}

/** Whether a run that happened went wrong. */
export function runFailed(run: PageConformanceRun): boolean {
  if (run.status === 'unavailable') return false;
  return run.error !== undefined || run.report?.ok !== true || run.properties?.ok === false || run.hardening?.ok === false;
}

/** Why the page has no backend `name`: its package did not bundle, or nothing registers it in a browser. */
function missingReason(name: string, session: BrowserSession): string {
  let packageName: string | undefined;
  try {
    packageName = getDescriptor(name).packageName;
  } catch {
    return `${name} is registered neither here nor in the page`;
  }
  return session.unbundled[packageName] ?? `${packageName} does not register ${name} in a browser`;
}

/**
 * Runs the conformance suite (golden vectors, property and hardening checks of `@bnkit/spec`) inside a real
 * headless Chromium on each backend, one after the other, and returns the same reports as
 * `runConformance`, `checkProperties` and `checkHardening` give in Node, with the browser's name and version. A
 * backend the browser cannot provide is `unavailable` with the browser's reason.
 * @throws ChromiumNotFoundError when no Chromium is installed; Error when the page cannot start.
 */
export async function runConformanceInBrowser(options: BrowserConformanceOptions = {}): Promise<BrowserConformance> {
  const session = options.session ?? (await openBrowserSession(options));
  try {
    const inPage = new Set(session.page.backends.map((backend) => backend.name));
    const unbundled = (name: string): boolean => getDescriptor(name).packageName in session.unbundled;
    const names = options.backends ?? [...inPage, ...listBackends().filter((name) => !inPage.has(name) && unbundled(name))];
    const runs: PageConformanceRun[] = [];
    for (const name of names) {
      if (!inPage.has(name)) {
        runs.push({ name, status: 'unavailable', reason: missingReason(name, session) });
        continue;
      }
      runs.push(
        await session.call('conformance', name, {
          ...(options.operations && { operations: options.operations }),
          ...(options.propertyRuns !== undefined && { propertyRuns: options.propertyRuns }),
          ...(options.hardening !== undefined && { hardening: options.hardening }),
        }),
      );
    }
    return { browser: session.browser, runs, ok: !runs.some(runFailed) };
  } finally {
    if (!options.session) await session.close();
  }
}
