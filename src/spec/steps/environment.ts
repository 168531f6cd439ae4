// The environment, as podman layers it: the source's defaults (an image's PATH and
// container=ctrmon; a bundle: none), then ctrmon's own environment with --env-host, then the
// config's own, then the --env-file entries, then --env, each replacing the same key in place.
import { mergeEnv } from '../env';
import type { RuntimeSpec } from '../oci';

export interface EnvironmentInputs {
  /** KEY=VALUE entries given with --env. */
  env: string[];
  /** What the source sets unless its config or --env does. */
  envDefaults: string[];
  /** --env-host: ctrmon's own environment, less what describes ctrmon's place under systemd. */
  envHost?: string[];
  /** The --env-file entries, read at this start. */
  envFile?: string[];
}

export function applyEnvironment(spec: RuntimeSpec, { env, envDefaults, envHost = [], envFile = [] }: EnvironmentInputs): void {
  const process = spec.config.process;
  process.env = mergeEnv(envDefaults, envHost, process.env ?? [], envFile, env);
}
