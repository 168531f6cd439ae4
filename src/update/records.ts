// The update engine's own files, in its data directory (--update-dir; the host's default is on disk,
// so that they survive a reboot): the lock that keeps two runs apart, the intent record of the
// unit being changed, and the quarantine of digests that failed. Each is replaced atomically and
// durably (fs/durable-file.ts); errors are ERR_UPDATE naming the file and the cause.
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { replaceFile } from '../fs/durable-file';
import { readFileIfPresent } from '../fs/read-file';

export class UpdateDir {
  readonly lock: string;
  readonly intent: string;
  readonly quarantine: string;

  constructor(readonly dir: string) {
    this.lock = path.join(dir, 'lock');
    this.intent = path.join(dir, 'intent.json');
    this.quarantine = path.join(dir, 'quarantine.json');
  }

  ensure(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw recordError('create', this.dir, err);
    }
  }
}

export function recordError(what: string, file: string, err: unknown): CtrmonError {
  return new CtrmonError('ERR_UPDATE', `auto-update: cannot ${what} ${file}: ${errorMessage(err)}`, { path: file }, { cause: err });
}

/** The file's JSON, or undefined when there is none. */
export function readRecord(file: string): unknown {
  let text: string | undefined;
  try {
    text = readFileIfPresent(file);
  } catch (err) {
    throw recordError('read', file, err);
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CtrmonError('ERR_UPDATE', `auto-update: ${file} is corrupt: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
}

export function writeRecord(file: string, value: unknown): void {
  try {
    replaceFile(file, `${JSON.stringify(value, null, 2)}\n`);
  } catch (err) {
    throw recordError('write', file, err);
  }
}

export function removeRecord(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch (err) {
    throw recordError('remove', file, err);
  }
}
