// The environment: the source's defaults (an image's PATH and container=ctrmon, as podman sets
// them; a bundle: none), then the config's own, then --env, each replacing the same key in place.
import { mergeEnv } from '../env';
import type { RuntimeSpec } from '../oci';

export interface EnvironmentInputs {
  /** KEY=VALUE entries given with --env. */
  env: string[];
  /** What the source sets unless its config or --env does. */
  envDefaults: string[];
}

export function applyEnvironment(spec: RuntimeSpec, { env, envDefaults }: EnvironmentInputs): void {
  const process = spec.config.process;
  process.env = mergeEnv(envDefaults, process.env ?? [], env);
}
