// --tmpfs (and --mount type=tmpfs, VolatileTmp): a tmpfs at each destination, in the place of a
// config mount at the same destination (podman: a user's mount replaces the default one there), else
// after the others. A destination a volume takes too is an error, as in podman.
import { CtrmonError } from '../../errors';
import { type RuntimeSpec, mountsOf } from '../oci';
import type { Volume } from './volumes';

export interface Tmpfs {
  destination: string;
  /** The mount options as the runtime gets them. */
  options: string[];
}

export interface TmpfsInputs {
  tmpfs?: Tmpfs[];
  volumes: Volume[];
}

export function applyTmpfs(spec: RuntimeSpec, { tmpfs = [], volumes }: TmpfsInputs): void {
  const mounts = mountsOf(spec.config);
  const taken = new Set(volumes.map((v) => v.destination));
  for (const t of tmpfs) {
    if (taken.has(t.destination))
      throw new CtrmonError('ERR_INVALID_OPTION', `${t.destination} is mounted twice: by a volume and by a tmpfs`, { path: t.destination });
    taken.add(t.destination);
    const mount = { destination: t.destination, type: 'tmpfs', source: 'tmpfs', options: [...t.options] };
    const at = mounts.findIndex((m) => m.destination === t.destination);
    if (at >= 0) mounts[at] = mount;
    else mounts.push(mount);
  }
}
