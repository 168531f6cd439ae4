// Creating and writing below the state directory, with errors that name the path and the real
// cause. fs.mkdirSync({recursive}) reports ENOENT for a parent it could not create on a read-only
// mount; walking the path and creating each missing directory keeps EROFS, EACCES or ENOSPC, and a
// regular file in the way is named as such.
import { mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';

export function stateError(what: string, target: string, err: unknown): CtrmonError {
  return new CtrmonError('ERR_STATE', `cannot ${what} ${target}: ${errorMessage(err)}`, { path: target }, { cause: err });
}

/** Creates dir and its missing parents (mode for the new ones); throws ERR_STATE naming the path that failed. */
export function ensureDirectory(dir: string, mode = 0o755): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let isDir: boolean;
    try {
      isDir = statSync(d).isDirectory();
    } catch (err) {
      // ENOTDIR: a parent is not a directory; the walk up finds which.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || path.dirname(d) === d) throw stateError('create directory', dir, err);
      missing.push(d);
      continue;
    }
    if (!isDir) {
      throw new CtrmonError('ERR_STATE', `cannot create directory ${dir}: ${d} is not a directory`, { path: d });
    }
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw stateError('create directory', dir, err);
    }
  }
}
