import { open, rename, unlink } from 'node:fs/promises';
import { BnValueError, describeValue } from '../errors.js';
import { resolveOutputTarget } from './output-target.js';
import { removeStaleTemporaries, temporaryPath, trackTemporary } from './temporary-files.js';

/** Options of `writeFileAtomic`. */
export interface WriteFileAtomicOptions {
  /** Names the path in errors, e.g. `--out`; default `path`. */
  argument?: string;
}

/**
 * Writes `content` to `path` atomically: into a temporary file in the same directory, flushed
 * to disk, then renamed over the target, so a reader sees the old file or the whole new one,
 * never part of one. What may be written is checked first (see `resolveOutputTarget`): an absent
 * path or a regular file; a symbolic link is written through to the file it names and stays a
 * link; a directory, device, FIFO or socket is refused. An existing file keeps its permission
 * bits. The temporary file is removed when the write fails and when SIGINT, SIGTERM or SIGHUP
 * arrives during it; its name (`.<name>.<pid>.<hex>.bnkit-tmp`) lets a later write of the same
 * path remove one a killed process left behind.
 * @throws BnValueError naming `options.argument` and `path` (never the temporary file): a
 *   special file or directory, a missing or unwritable directory, or the file system's failure
 *   (its code in the message, its error as `cause`).
 */
export async function writeFileAtomic(path: string, content: Uint8Array | string, options: WriteFileAtomicOptions = {}): Promise<void> {
  const argument = options.argument ?? 'path';
  const { target, mode } = await resolveOutputTarget(path, argument);
  await removeStaleTemporaries(target);
  const temporary = temporaryPath(target);
  const untrack = trackTemporary(temporary);
  try {
    const handle = await open(temporary, 'wx', mode ?? 0o666);
    try {
      await handle.writeFile(content);
      // open() applies the umask; the existing file's bits are set exactly.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new BnValueError(argument, 'a path that can be written', `${describeValue(path)} could not be written (${code})`, undefined, { cause: error });
  } finally {
    untrack();
  }
}
