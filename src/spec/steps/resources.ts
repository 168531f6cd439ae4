// --pids-limit and --memory: linux.resources.pids.limit and linux.resources.memory.limit; with a
// memory limit, memory and swap together get twice it, as podman gives when no swap limit is set.
import type { RuntimeSpec } from '../oci';

export interface ResourcesInputs {
  /** -1: unlimited. */
  pidsLimit?: number;
  /** Bytes. */
  memory?: number;
}

export function applyResources(spec: RuntimeSpec, { pidsLimit, memory }: ResourcesInputs): void {
  if (pidsLimit === undefined && memory === undefined) return;
  const config = spec.config;
  const resources = { ...(config.linux?.resources as Record<string, Record<string, unknown> | undefined>) };
  config.linux = { ...config.linux, resources };
  if (pidsLimit !== undefined) resources.pids = { ...resources.pids, limit: pidsLimit };
  if (memory !== undefined) resources.memory = { ...resources.memory, limit: memory, swap: 2 * memory };
}
