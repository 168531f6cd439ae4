// The user the container runs as, when the source resolved one (an image's User, from its own
// passwd and group): its ids, no effective or permitted capabilities unless it is root, and HOME
// from its passwd entry unless the environment has one (podman's choices). Without one, the
// config's own user stands.
import type { ResolvedUser } from '../../image/conversion/user';
import { hasEnv } from '../env';
import type { RuntimeSpec } from '../oci';

export interface UserInputs {
  user?: ResolvedUser;
}

export function applyUser(spec: RuntimeSpec, { user }: UserInputs): void {
  if (!user) return;
  const process = spec.config.process;
  process.user = { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) };
  if (user.uid !== 0 && process.capabilities) process.capabilities = { ...process.capabilities, effective: [], permitted: [] };
  if (!hasEnv(spec.config, 'HOME')) process.env = [...(process.env ?? []), `HOME=${user.home}`];
}
