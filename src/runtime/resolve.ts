// Finds the OCI runtime: a name looked up on PATH or a path. The default (no --runtime) is crun
// where it can run containers, else runc: crun refuses hybrid and v1 cgroup hosts ("cgroups in
// hybrid mode not supported"), so there only runc is a candidate. Exit codes follow podman: 127
// not found, 126 found but not executable.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from '../errors';

export interface ResolvedRuntime {
  path: string;
  /** The binary's name (runc, crun, ...), which decides runtime-specific behaviour. */
  name: string;
}

type Probe = 'executable' | 'not-executable' | 'missing';

function probe(file: string): Probe {
  try {
    if (!statSync(file).isFile()) return 'not-executable';
    accessSync(file, constants.X_OK);
    return 'executable';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'not-executable';
  }
}

function fromPath(name: string, searchPath: string): { found?: string; notExecutable?: string } {
  let notExecutable: string | undefined;
  for (const dir of searchPath.split(':').filter(Boolean)) {
    const candidate = path.join(dir, name);
    const p = probe(candidate);
    if (p === 'executable') return { found: candidate };
    if (p === 'not-executable') notExecutable ??= candidate;
  }
  return { notExecutable };
}

/** 'unified' when /sys/fs/cgroup is a cgroup2 hierarchy (what crun needs); 'hybrid' for v1 and hybrid hosts. */
export type CgroupLayout = 'unified' | 'hybrid';

export function hostCgroupLayout(mountRoot = '/sys/fs/cgroup'): CgroupLayout {
  return existsSync(`${mountRoot}/cgroup.controllers`) ? 'unified' : 'hybrid';
}

export function resolveRuntime(
  spec: string | undefined,
  searchPath = process.env.PATH ?? '',
  layout: CgroupLayout = hostCgroupLayout(),
): ResolvedRuntime {
  if (spec === undefined) {
    for (const name of layout === 'unified' ? ['crun', 'runc'] : ['runc']) {
      const { found } = fromPath(name, searchPath);
      if (found) return { path: found, name };
    }
    if (fromPath('crun', searchPath).found) {
      throw new CtrmonError(
        'ERR_RUNTIME_NOT_FOUND',
        "no usable OCI runtime: crun is on PATH but cannot run containers on this host's hybrid (v1) cgroups; install runc, " +
          'or give --runtime crun --runtime-arg=--cgroup-manager=disabled in a mount namespace with cgroup2 at /sys/fs/cgroup',
        { runtime: 'crun' },
        { exitCode: EXIT_NOT_FOUND },
      );
    }
    throw new CtrmonError(
      'ERR_RUNTIME_NOT_FOUND',
      'no OCI runtime found: neither crun nor runc is on PATH',
      {},
      { exitCode: EXIT_NOT_FOUND },
    );
  }
  if (spec.includes('/')) {
    const absolute = path.resolve(spec);
    const p = probe(absolute);
    if (p === 'missing') {
      throw new CtrmonError(
        'ERR_RUNTIME_NOT_FOUND',
        `OCI runtime ${absolute} not found`,
        { runtime: absolute },
        { exitCode: EXIT_NOT_FOUND },
      );
    }
    if (p === 'not-executable') {
      throw new CtrmonError(
        'ERR_RUNTIME_NOT_EXECUTABLE',
        `OCI runtime ${absolute} is not an executable file`,
        { runtime: absolute },
        { exitCode: EXIT_NOT_EXECUTABLE },
      );
    }
    return { path: absolute, name: path.basename(absolute) };
  }
  const { found, notExecutable } = fromPath(spec, searchPath);
  if (found) return { path: found, name: spec };
  if (notExecutable) {
    throw new CtrmonError(
      'ERR_RUNTIME_NOT_EXECUTABLE',
      `OCI runtime ${notExecutable} is not executable`,
      { runtime: notExecutable },
      { exitCode: EXIT_NOT_EXECUTABLE },
    );
  }
  throw new CtrmonError(
    'ERR_RUNTIME_NOT_FOUND',
    `OCI runtime '${spec}' not found on PATH`,
    { runtime: spec },
    { exitCode: EXIT_NOT_FOUND },
  );
}
