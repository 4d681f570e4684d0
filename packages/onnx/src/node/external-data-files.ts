import { BnValueError, describeValue } from '@bnkit/core';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { ExternalDataResolver } from '../external-data.js';

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * A resolver that reads external data files relative to the folder of `modelPath`, refusing any
 * location that is absolute or leaves that folder (through `..` or a symbolic link), as the ONNX
 * external-data rules require. Files are read once and kept.
 * @throws BnValueError (when called) naming the location for a refused path or an unreadable file.
 */
export function externalDataFromFolder(modelPath: string): ExternalDataResolver {
  const folder = realpathSync(dirname(resolve(modelPath)));
  const files = new Map<string, Uint8Array>();
  return (location) => {
    const known = files.get(location);
    if (known) return known;
    const argument = `external data location ${describeValue(location)}`;
    const target = resolve(folder, location);
    if (isAbsolute(location) || !inside(folder, target)) {
      throw new BnValueError(argument, `a path inside the model's folder ${describeValue(folder)}`, 'a path that leaves it');
    }
    let bytes: Uint8Array;
    try {
      if (!inside(folder, realpathSync(target))) {
        throw new BnValueError(argument, `a file inside the model's folder ${describeValue(folder)}`, 'a symbolic link that leaves it');
      }
      bytes = new Uint8Array(readFileSync(target));
    } catch (error) {
      if (error instanceof BnValueError) throw error;
      throw new BnValueError(argument, 'a readable file next to the model', (error as NodeJS.ErrnoException).code ?? String(error));
    }
    files.set(location, bytes);
    return bytes;
  };
}
