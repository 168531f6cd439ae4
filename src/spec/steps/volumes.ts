// --volume (and --mount type=bind|volume): host paths bind-mounted into the container, after the
// config's own mounts (so over them), read-only when asked. A named volume is its directory under
// the volumes directory (volume/store.ts), which the monitor makes on first use.
import { type RuntimeSpec, mountsOf } from '../oci';

export interface Volume {
  source: string;
  destination: string;
  readonly: boolean;
  /** A named volume's name (its source is <volumes-dir>/<name>/_data). */
  volume?: string;
}

export interface VolumesInputs {
  volumes: Volume[];
}

export function applyVolumes(spec: RuntimeSpec, { volumes }: VolumesInputs): void {
  const mounts = mountsOf(spec.config);
  for (const v of volumes)
    mounts.push({ destination: v.destination, type: 'bind', source: v.source, options: ['rbind', 'rprivate', v.readonly ? 'ro' : 'rw'] });
}
