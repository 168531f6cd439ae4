// When a start pulls its image (podman's --pull): always; only when the store lacks it (missing,
// the default); never; or when the registry has a different digest for it (newer).
export const PULL_POLICIES = ['missing', 'always', 'never', 'newer'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];
