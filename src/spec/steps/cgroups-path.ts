// Where the runtime puts the container's cgroup: the path the monitor chose (--cgroups=split under
// a unit, process/cgroup.ts); undefined keeps the config's own, or leaves it to the runtime.
import type { RuntimeSpec } from '../oci';

export interface CgroupsPathInputs {
  cgroupsPath?: string;
}

export function applyCgroupsPath(spec: RuntimeSpec, { cgroupsPath }: CgroupsPathInputs): void {
  if (cgroupsPath !== undefined) spec.config.linux = { ...spec.config.linux, cgroupsPath };
}
