// Work in progress under ingest/ and staging/: each entry <name> (a file or a directory) with its
// <name>.lock. An entry whose lock nobody holds was left by a writer that died or gave up. Only
// called under the store lock, the one place lock files may be unlinked by anyone but their writer
// (see store-ingest.ts).
import { readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { errnoCode, storeError } from './files';
import { tryLock } from './lock';

/** Names of the entries of dir (lock files folded into their entry, even when the entry itself is gone). */
function workEntries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw storeError('read', dir, err);
  }
  return [...new Set(names.map((n) => (n.endsWith('.lock') ? n.slice(0, -'.lock'.length) : n)))];
}

/** Removes every entry of dir that nobody works on and that remove(name) selects; returns how many. */
export function sweepUnlocked(dir: string, remove: (name: string) => boolean): number {
  let removed = 0;
  for (const name of workEntries(dir)) {
    if (!remove(name)) continue;
    const entry = path.join(dir, name);
    const lock = tryLock(`${entry}.lock`);
    if (!lock) continue;
    try {
      rmSync(entry, { recursive: true, force: true });
      rmSync(`${entry}.lock`, { force: true });
      removed++;
    } catch (err) {
      throw storeError('remove', entry, err);
    } finally {
      lock.release();
    }
  }
  return removed;
}
