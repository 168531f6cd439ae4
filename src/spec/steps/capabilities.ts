// --cap-add and --cap-drop, as podman applies them: the bounding set is the config's (an image's is
// podman's default set) less what is dropped plus what is added; root gets that set effective and
// permitted, with no inheritable or ambient ones; any other user gets only what was added, in every
// set (ambient too, so that its process keeps them across exec). Without either, the config's
// capabilities stand (and the user step's choice for a user other than root).
import { mergeCapabilities } from '../capabilities';
import type { RuntimeSpec } from '../oci';

export interface CapabilitiesInputs {
  /** Normalised names (CAP_X, or ALL). */
  capAdd: string[];
  capDrop: string[];
  /** What ALL stands for: ctrmon's own bounding set. */
  boundingSet: () => string[];
}

export function applyCapabilities(spec: RuntimeSpec, { capAdd, capDrop, boundingSet }: CapabilitiesInputs): void {
  if (!capAdd.length && !capDrop.length) return;
  const process = spec.config.process;
  const bounding = mergeCapabilities(process.capabilities?.bounding ?? [], capAdd, capDrop, boundingSet);
  if ((process.user?.uid ?? 0) === 0) {
    process.capabilities = { ...process.capabilities, bounding, effective: bounding, permitted: bounding, inheritable: [], ambient: [] };
    return;
  }
  const host = new Set(boundingSet());
  const added = mergeCapabilities([], capAdd, [], boundingSet).filter((c) => host.has(c));
  process.capabilities = { ...process.capabilities, bounding, effective: added, permitted: added, inheritable: added, ambient: added };
}
