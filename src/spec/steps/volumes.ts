// --volume: host paths bind-mounted into the container, after the config's own mounts (so over
// them), read-only when asked.
import { type RuntimeSpec, mountsOf } from '../oci';

export interface Volume {
  source: string;
  destination: string;
  readonly: boolean;
}

export interface VolumesInputs {
  volumes: Volume[];
}

export function applyVolumes(spec: RuntimeSpec, { volumes }: VolumesInputs): void {
  const mounts = mountsOf(spec.config);
  for (const v of volumes)
    mounts.push({ destination: v.destination, type: 'bind', source: v.source, options: ['rbind', 'rprivate', v.readonly ? 'ro' : 'rw'] });
}
