// The file operations of the image store, each crash-safe on its own: a file is replaced by writing
// a temporary name beside it, fsync'ing it, renaming it over the old one and fsync'ing the
// directory (containerd's content store pattern), so after a crash a reader finds the old file or
// the new one, never an empty or partial one. Errors are ERR_STORE naming the path and the cause.
import { mkdirSync, readFileSync } from 'node:fs';

import { CtrmonError, errorMessage } from '../../errors';
import { replaceFile } from '../../fs/durable-file';

export { fsyncDirectory, TEMP_SUFFIX } from '../../fs/durable-file';

export function storeError(what: string, target: string, err: unknown): CtrmonError {
  if (err instanceof CtrmonError) return err;
  return new CtrmonError('ERR_STORE', `image store: cannot ${what} ${target}: ${errorMessage(err)}`, { path: target }, { cause: err });
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export function ensureDirectories(...dirs: string[]): void {
  for (const dir of dirs) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw storeError('create directory', dir, err);
    }
  }
}

/**
 * Replaces file with data: temp, fsync, rename, fsync of the directory. `durable: false` skips both
 * fsyncs for a file that means nothing after a crash of the machine (a lease: its holder is gone).
 */
export function writeFileAtomic(file: string, data: string | Buffer, durable = true): void {
  try {
    replaceFile(file, data, durable);
  } catch (err) {
    throw storeError('write', file, err);
  }
}

/** Parses a JSON file; ERR_STORE naming the file when it is unreadable or not JSON. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw storeError('read', file, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CtrmonError('ERR_STORE', `image store: ${file} is corrupt: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
}
