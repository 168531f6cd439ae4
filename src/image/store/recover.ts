// Recovery after a crash (run under the store lock). Nothing a crash leaves can be mistaken for
// content: blobs and layers appear by rename only, and index.json never names a blob that is not
// complete. What is left are temporary files and abandoned work, removed here: our temporary files
// of index.json, oci-layout and leases (their writers hold the store lock, which we hold now),
// staging directories and anonymous ingests nobody holds, ingests whose blob was committed before
// the cleanup, and trash/. An interrupted ingest of a known digest is kept: the next pull resumes it.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { errnoCode, storeError, TEMP_SUFFIX } from './files';
import type { StorePaths } from './paths';
import { sweepUnlocked } from './sweep';

export interface RecoverResult {
  tempFiles: number;
  ingests: number;
  staging: number;
}

const HEX = /^[0-9a-f]{64}$/;

function removeTempFiles(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 0;
    throw storeError('read', dir, err);
  }
  let removed = 0;
  for (const name of names) {
    if (!TEMP_SUFFIX.test(name)) continue;
    rmSync(path.join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/** The caller holds the store lock. */
export function recoverStore(paths: StorePaths): RecoverResult {
  const tempFiles = removeTempFiles(paths.root) + removeTempFiles(paths.leases);
  const ingests = sweepUnlocked(paths.ingest, (name) => {
    if (!HEX.test(name)) return true; // anonymous: its digest was never known, so it cannot resume
    const data = path.join(paths.ingest, name);
    return existsSync(path.join(paths.blobs, name)) || !existsSync(data);
  });
  const staging = sweepUnlocked(paths.staging, () => true);
  try {
    rmSync(paths.trash, { recursive: true, force: true });
  } catch (err) {
    throw storeError('remove', paths.trash, err);
  }
  return { tempFiles, ingests, staging };
}
