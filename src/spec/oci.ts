// The runtime's config.json as ctrmon reads and writes it (the OCI runtime spec's config: the
// fields ctrmon looks at are typed, every other field passes through), and the spec the pipeline
// builds around it: the config plus what the monitor needs to know beside it.

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** runc binds what a mount of type bind, or with the option bind or rbind, names. */
export function isBindMount(m: OciMount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

export interface OciNamespace {
  type: string;
  /** Joins this namespace instead of making a new one. */
  path?: string;
}

export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  [set: string]: string[] | undefined;
}

export interface OciConfig {
  ociVersion?: string;
  process: {
    args: string[];
    env?: string[];
    terminal?: boolean;
    user?: OciUser;
    capabilities?: OciCapabilities;
    [key: string]: unknown;
  };
  root: { path: string; readonly?: boolean };
  mounts?: OciMount[];
  linux?: { cgroupsPath?: string; namespaces?: OciNamespace[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** The config's mounts, as a list a step can add to. */
export function mountsOf(config: OciConfig): OciMount[] {
  config.mounts ??= [];
  return config.mounts;
}

/** The config's namespaces, as a list a step can add to. */
export function namespacesOf(config: OciConfig): OciNamespace[] {
  config.linux ??= {};
  config.linux.namespaces ??= [];
  return config.linux.namespaces;
}

/** What the pipeline builds: the config, and what was decided beside it (the stop signal is what the monitor sends). */
export interface RuntimeSpec {
  config: OciConfig;
  /** podman's systemd mode is on: the container runs an init. */
  systemdMode: boolean;
  /** The signal asked for to stop the container (a name, or a number for SIGRTMIN+3); undefined: none, SIGTERM. */
  stopSignal?: string | number;
}
