import { access, constants, lstat, readlink, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { BnValueError, describeValue } from '../errors.js';

/** Symbolic links followed before a path counts as a loop (Linux's own limit is 40). */
const MAX_LINKS = 40;

/** Where an output path really leads: the file to replace, and the mode that file has now. */
export interface OutputTarget {
  /** The absolute path written: `path` itself, or the end of the chain of symbolic links it starts. */
  readonly target: string;
  /** The permission bits of the existing regular file (kept on the new one), or undefined when there is none. */
  readonly mode: number | undefined;
}

/** What a file that is not a regular one is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Checks that `path` may be written as an output and says where the bytes go. An absent path
 * or a regular file may be written; a symbolic link is followed to the file it names (which is
 * then written, or created when absent), and the link itself is kept. Anything else (a
 * directory, a character or block device, a FIFO, a socket) is refused, because replacing it
 * with a regular file would destroy it. The directory that will hold the file must exist and be
 * writable.
 * @param argument Names the path in errors, e.g. `--out` or `out`.
 * @throws BnValueError naming `argument` and the path: a special file or directory, a missing or
 *   unwritable directory, a chain of symbolic links that loops.
 */
export async function resolveOutputTarget(path: string, argument = 'path'): Promise<OutputTarget> {
  if (typeof path !== 'string' || path === '') throw new BnValueError(argument, 'a file path', describeValue(path));
  const expected = 'a regular file or a path that does not exist yet';
  let target = resolve(path);
  try {
    for (let links = 0; ; links++) {
      const stats = await lstatOrUndefined(target);
      if (stats?.isSymbolicLink()) {
        if (links === MAX_LINKS) throw new BnValueError(argument, expected, `${describeValue(path)}: more than ${MAX_LINKS} symbolic links (a loop?)`);
        target = resolve(dirname(target), await readlink(target));
        continue;
      }
      if (stats !== undefined && !stats.isFile()) {
        const via = target === resolve(path) ? '' : ` (through a symbolic link to ${describeValue(target)})`;
        throw new BnValueError(argument, `${expected}; bnkit never replaces a special file or a directory`, `${describeValue(path)}${via} is ${kindOf(stats)}`);
      }
      const directory = dirname(target);
      const holder = await stat(directory).catch(() => undefined);
      if (holder === undefined) throw new BnValueError(argument, 'a path in an existing directory', `${describeValue(path)}: directory ${describeValue(directory)} does not exist`);
      if (!holder.isDirectory()) throw new BnValueError(argument, 'a path in an existing directory', `${describeValue(path)}: ${describeValue(directory)} is not a directory`);
      try {
        await access(directory, constants.W_OK);
      } catch (error) {
        throw new BnValueError(argument, 'a path in a writable directory', `${describeValue(path)}: cannot write in ${describeValue(directory)} (${errorCode(error)})`);
      }
      return { target, mode: stats === undefined ? undefined : stats.mode & 0o7777 };
    }
  } catch (error) {
    if (error instanceof BnValueError) throw error;
    throw new BnValueError(argument, expected, `${describeValue(path)} (${errorCode(error)})`);
  }
}

/**
 * Checks an output path before any work is done (see `resolveOutputTarget`), so a command that
 * runs for minutes does not fail at its end on a path it could have refused at once.
 * @returns The absolute path that will be written.
 * @throws BnValueError naming `argument`, as `resolveOutputTarget` does.
 */
export async function checkOutputPath(path: string, argument = 'path'): Promise<string> {
  return (await resolveOutputTarget(path, argument)).target;
}

/**
 * Whether two paths name the same existing file (the same device and inode, so through symbolic
 * and hard links alike). False when either does not exist.
 */
export async function isSameFile(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}
