// --group-add: supplementary groups after the user's own (its /etc/group memberships), as podman
// adds them; the source resolved any names against the rootfs' /etc/group.
import type { RuntimeSpec } from '../oci';

export interface AdditionalGroupsInputs {
  groupAdd?: number[];
}

export function applyAdditionalGroups(spec: RuntimeSpec, { groupAdd }: AdditionalGroupsInputs): void {
  if (!groupAdd?.length) return;
  const process = spec.config.process;
  const user = process.user ?? { uid: 0, gid: 0 };
  const own = user.additionalGids ?? [];
  process.user = { ...user, additionalGids: [...own, ...groupAdd.filter((g) => !own.includes(g))] };
}
