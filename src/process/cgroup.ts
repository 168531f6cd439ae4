// Where the container's cgroup goes. Under systemd the container must end up inside the
// service's cgroup: runc's default puts it beside the unit, where systemd neither kills it with
// the unit nor attributes its processes to it. With cgroup v2 a cgroup that has processes cannot
// also have children with controllers, so ctrmon moves itself into <unit>/supervisor and gives
// the container <unit>/container, the split podman's Quadlet units use (needs Delegate=yes).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';

/** split: ctrmon in <unit>/supervisor, the container in <unit>/container; bundle: the bundle's cgroupsPath. */
export const CGROUP_MODES = ['split', 'bundle'] as const;
export type CgroupMode = (typeof CGROUP_MODES)[number];

export interface OwnCgroup {
  /** The cgroup v2 path of this process ("/system.slice/web.service"), or null without one. */
  path: string | null;
  /** The systemd unit that cgroup belongs to, when it is a service's. */
  unit: string | null;
}

export function ownCgroup(procSelfCgroup = '/proc/self/cgroup'): OwnCgroup {
  let cgPath: string | null = null;
  try {
    const line = readFileSync(procSelfCgroup, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    cgPath = line ? line.slice(3) : null;
  } catch {
    // no /proc
  }
  const unit =
    cgPath
      ?.split('/')
      .reverse()
      .find((part) => /\.(service|scope)$/.test(part)) ?? null;
  return { path: cgPath, unit };
}

export interface CgroupPlan {
  /** Set when ctrmon moved itself: the container's linux.cgroupsPath. */
  containerPath?: string;
  supervisorPath?: string;
}

/**
 * Splits the unit's cgroup when ctrmon runs in a service's cgroup on a cgroup v2 hierarchy mounted
 * at mountRoot; otherwise (a v1 or hybrid host, no unit) leaves placement to the runtime.
 * Returns what was done; a failed move leaves everything as it was.
 */
export function splitUnitCgroup(own: OwnCgroup, mountRoot = '/sys/fs/cgroup'): CgroupPlan {
  if (!own.path || own.path === '/' || !own.unit || !existsSync(path.join(mountRoot, 'cgroup.controllers'))) return {};
  const supervisorPath = path.posix.join(own.path, 'supervisor');
  const dir = path.join(mountRoot, supervisorPath);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cgroup.procs'), String(process.pid));
  return { supervisorPath, containerPath: path.posix.join(own.path, 'container') };
}

/**
 * The controllers of `wanted` that a container in the cgroup v2 path containerPath cannot have:
 * those its parent (the unit's cgroup) does not offer. A hybrid host's v1 controllers are not
 * there: a limit on them would fail in the runtime with a missing file.
 */
export function missingControllers(containerPath: string, wanted: string[], mountRoot = '/sys/fs/cgroup'): string[] {
  let offered: string[] = [];
  try {
    offered = readFileSync(path.join(mountRoot, path.posix.dirname(containerPath), 'cgroup.controllers'), 'utf8')
      .trim()
      .split(/\s+/);
  } catch {
    // no such cgroup: none offered
  }
  return wanted.filter((c) => !offered.includes(c));
}
