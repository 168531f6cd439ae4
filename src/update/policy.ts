// The auto-update contract a container declares, podman's names kept: the policy label, the
// per-container authfile label, and the checks made when a monitor is configured. A leaf module:
// the monitor's options and the update engine both read it, and it loads nothing else of either.
import { CtrmonError } from '../errors';
import { isFullyQualified } from '../image/reference';

export const AUTO_UPDATE_LABEL = 'io.containers.autoupdate';
export const AUTHFILE_LABEL = 'io.containers.autoupdate.authfile';

/** podman's list, in its order (its error message prints it): `image` is the deprecated name of `registry`. */
export const POLICY_VALUES = ['disabled', 'image', 'local', 'registry'] as const;
export type Policy = 'registry' | 'local';

/** The policy a label value asks for; null when updates are off. Throws podman's error for anything else. */
export function policyOf(value: string | undefined, container: string): Policy | null {
  if (value === undefined || value === '' || value === 'disabled') return null;
  if (value === 'registry' || value === 'image') return 'registry';
  if (value === 'local') return 'local';
  throw new CtrmonError(
    'ERR_INVALID_OPTION',
    `auto-updating container "${container}": invalid auto-update policy "${value}": valid policies are [${POLICY_VALUES.map((p) => `"${p}"`).join(' ')}]`,
    { name: container },
  );
}

/**
 * What podman checks when the container is created: registry needs a reference that means the same
 * everywhere, and an update needs an image at all. Invalid policy values are accepted here, as
 * podman does, and reported by each auto-update run.
 */
export function checkUpdatable(labels: Record<string, string>, image: string | undefined, pull: string): void {
  const value = labels[AUTO_UPDATE_LABEL];
  if (value === undefined || value === '' || value === 'disabled' || !(POLICY_VALUES as readonly string[]).includes(value)) return;
  if (image === undefined) {
    throw new CtrmonError('ERR_INVALID_OPTION', `auto updates require an image (--image): a bundle has nothing to update to`);
  }
  if ((value === 'registry' || value === 'image') && !isFullyQualified(image)) {
    throw new CtrmonError('ERR_INVALID_OPTION', `short name: auto updates require fully-qualified image reference: "${image}"`, {
      name: image,
    });
  }
  // Each start would pull the tag again, undoing a rollback to the previous image.
  if (pull === 'always' || pull === 'newer') {
    throw new CtrmonError(
      'ERR_INVALID_OPTION',
      `--pull=${pull} cannot be combined with ${AUTO_UPDATE_LABEL}=${value}: auto-update decides when the image changes (use --pull=missing or never)`,
    );
  }
}
