// Replaces a state file atomically (containerd's ingest pattern): write a temporary file, fsync
// it, rename it over the old one. A reader sees the old file or the new one, never a part of
// either, even after a crash or a full disk: a write that fails leaves the previous file as it was
// and removes its temporary file. The fsync is what keeps a crash of the machine from leaving an
// empty file behind the rename; on tmpfs (/run under systemd, the default state directory) nothing
// survives a crash anyway, so it is skipped there: it cost ~1 ms per transition on disk.
// The directory is not fsync'ed: without it a crash may lose the rename, which leaves the old file.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { ensureDirectory, stateError } from './directory';
import type { ContainerState } from './types';

const VOLATILE_FS = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);
const volatileDirs = new Map<string, boolean>();

function isVolatile(dir: string): boolean {
  let known = volatileDirs.get(dir);
  if (known === undefined) {
    try {
      known = VOLATILE_FS.has(statfsSync(dir).type);
    } catch {
      known = false;
    }
    volatileDirs.set(dir, known);
  }
  return known;
}

/** Throws ERR_STATE naming the file and the cause (ENOSPC, EROFS, ...). */
export function writeState(file: string, state: ContainerState): void {
  const dir = path.dirname(file);
  ensureDirectory(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeFileSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      if (!isVolatile(dir)) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // not a file of ours: left as it is
    }
    throw stateError('write state file', file, err);
  }
}
