// Unit files that `ctrmon generate --files` and `--install` write: into a directory that is made
// when it is not there (as `mkdir -p` would; a user's unit directory often is not), each file
// replaced whole, and a failure one line naming the file.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { replaceFile } from '../fs/durable-file';

/** Writes each unit (name -> text) into dir; returns their paths. */
export function writeUnitFiles(dir: string, units: Iterable<[string, string]>): string[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new CtrmonError('ERR_UNIT_FILE', `cannot make the unit directory ${dir}: ${errorMessage(err)}`, { path: dir }, { cause: err });
  }
  const written: string[] = [];
  for (const [name, text] of units) {
    const file = path.join(dir, name);
    try {
      replaceFile(file, text);
    } catch (err) {
      throw new CtrmonError('ERR_UNIT_FILE', `cannot write ${file}: ${errorMessage(err)}`, { path: file, unit: name }, { cause: err });
    }
    written.push(file);
  }
  return written;
}
