import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The part of the target's name a temporary name keeps, so the temporary name stays within a file system's name limit. */
const KEPT_NAME = 100;
/** The suffix that marks bnkit's temporary files. */
const SUFFIX = '.bnkit-tmp';
/** Signals on which temporary files and directories in flight are removed before the process ends. */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Temporary files and directories this process is writing now. */
const inFlight = new Set<string>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The start of the name of every temporary file written for `target`. */
function temporaryPrefix(target: string): string {
  return `.${basename(target).slice(0, KEPT_NAME)}.`;
}

/**
 * A fresh temporary path next to `target` (for a file or a directory):
 * `.<name>.<pid>.<8 hex digits>.bnkit-tmp`. The process id in the name lets a later run tell a
 * stale temporary (its writer is gone) from one being written (see `removeStaleTemporaries`).
 */
export function temporaryPath(target: string): string {
  return join(dirname(target), `${temporaryPrefix(target)}${process.pid}.${randomBytes(4).toString('hex')}${SUFFIX}`);
}

/** Whether a process with this id is running (EPERM: it runs under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files (or directories) that earlier writes of `target` left behind when
 * their process was killed (SIGKILL, a power cut): those whose process id names no running
 * process, or names this process but no write in flight. Others' files and failures to remove
 * are left alone.
 */
export async function removeStaleTemporaries(target: string): Promise<void> {
  const pattern = new RegExp(`^${escapeRegExp(temporaryPrefix(target))}(\\d+)\\.[0-9a-f]{8}${escapeRegExp(SUFFIX)}$`);
  const directory = dirname(target);
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid)) continue;
    const path = join(directory, name);
    const stale = pid === process.pid ? !inFlight.has(path) : !isRunning(pid);
    if (stale) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}

function removeInFlightNow(): void {
  for (const path of inFlight) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // One that cannot be removed must not keep the others or the exit from happening.
    }
  }
  inFlight.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeInFlightNow();
  uninstall();
  // With no other listener the signal's default action (ending the process) was only held back
  // for the clean-up: raise it again so the process ends as it would have.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', removeInFlightNow);
}

function uninstall(): void {
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('exit', removeInFlightNow);
}

/**
 * Registers a temporary file or directory being written, so that SIGINT, SIGTERM, SIGHUP or
 * `process.exit` removes it before the process ends (the signal then ends the process as it
 * would have, unless the program listens for it itself). Returns the function that unregisters it.
 */
export function trackTemporary(path: string): () => void {
  if (inFlight.size === 0) install();
  inFlight.add(path);
  return () => {
    if (inFlight.delete(path) && inFlight.size === 0) uninstall();
  };
}
