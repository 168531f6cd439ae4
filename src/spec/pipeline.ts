// The runtime's config.json, built one way for every source: the source yields a base (a
// bundle's own config, or the one an image's config gives, with what it knows beside it), then
// one ordered chain of named steps applies the options, each step taking only what it needs. An
// option that changes config.json is an entry in the option table (config/monitor-options.ts)
// plus a step here. The order matters where steps meet: the systemd mode looks at the final
// command, HOME and container_uuid come after --env, capabilities follow the user they depend on and
// seccomp the capabilities its rules may name, --sysctl follows the namespaces --network decides,
// volumes go over systemd's tmpfs mounts, a --tmpfs replaces a config mount at its path,
// --read-only's tmpfs go where nothing is mounted yet, secrets go over every tmpfs (/run), and what
// the host gives the container (sockets, watchdog, notify socket) comes last.
import { type CommandInputs, applyCommand } from './steps/command';
import { type CgroupsPathInputs, applyCgroupsPath } from './steps/cgroups-path';
import { type DevicesInputs, applyDevices } from './steps/devices';
import { type EnvironmentInputs, applyEnvironment } from './steps/environment';
import { type ListenFdsInputs, applyListenFds } from './steps/listen-fds';
import { type MaskedPathsInputs, applyMaskedPaths } from './steps/masked-paths';
import { type NetworkInputs, type NetworkMode, applyNetwork } from './steps/network';
import { type NotifySocketInputs, applyNotifySocket } from './steps/notify-socket';
import { type ReadOnlyInputs, applyReadOnly } from './steps/read-only';
import { type SecretsInputs, applySecrets } from './steps/secrets';
import { type StopSignalInputs, applyStopSignal } from './steps/stop-signal';
import { type SystemdMode, type SystemdModeInputs, applySystemdMode } from './steps/systemd-mode';
import { type TmpfsInputs, applyTmpfs } from './steps/tmpfs';
import { type UserInputs, applyUser } from './steps/user';
import { type AdditionalGroupsInputs, applyAdditionalGroups } from './steps/additional-groups';
import { type AnnotationsInputs, applyAnnotations } from './steps/annotations';
import { type CapabilitiesInputs, applyCapabilities } from './steps/capabilities';
import { type HostnameInputs, applyHostname } from './steps/hostname';
import { type NoNewPrivilegesInputs, applyNoNewPrivileges } from './steps/no-new-privileges';
import { type ResourcesInputs, applyResources } from './steps/resources';
import { type RlimitsInputs, applyRlimits } from './steps/rlimits';
import { type SeccompInputs, applySeccomp } from './steps/seccomp';
import { type ShmSizeInputs, applyShmSize } from './steps/shm-size';
import { type SysctlInputs, applySysctl } from './steps/sysctl';
import { type TimezoneInputs, applyTimezone } from './steps/timezone';
import { type WorkingDirInputs, applyWorkingDir } from './steps/working-dir';
import { type VolumesInputs, applyVolumes } from './steps/volumes';
import { type WatchdogInputs, applyWatchdog } from './steps/watchdog';
import { ownBoundingSet } from './capabilities';
import type { OciConfig, RuntimeSpec } from './oci';

/** What every step may read: the source's facts and the options, with the source's defaults filled in. */
export type SpecInputs = CommandInputs &
  EnvironmentInputs &
  UserInputs &
  NetworkInputs &
  SystemdModeInputs &
  VolumesInputs &
  TmpfsInputs &
  ReadOnlyInputs &
  DevicesInputs &
  MaskedPathsInputs &
  SecretsInputs &
  ListenFdsInputs &
  WatchdogInputs &
  NotifySocketInputs &
  CgroupsPathInputs &
  StopSignalInputs &
  HostnameInputs &
  WorkingDirInputs &
  AnnotationsInputs &
  RlimitsInputs &
  NoNewPrivilegesInputs &
  ResourcesInputs &
  ShmSizeInputs &
  TimezoneInputs &
  AdditionalGroupsInputs &
  CapabilitiesInputs &
  SeccompInputs &
  SysctlInputs;

/** What a source yields: its config, and what it knows beside it. */
export interface BaseSpec extends Pick<SpecInputs, 'entrypoint' | 'noCommand' | 'user' | 'groupAdd' | 'machineId' | 'ownStopSignal'> {
  config: OciConfig;
  /** What options not given mean for this source: an image's defaults (podman's); a bundle has none and keeps its config. */
  defaults: { env: string[]; network?: NetworkMode; systemd?: SystemdMode };
}

/** The options as the monitor gives them; network and systemd undefined: not given. */
export type SpecOptions = Pick<SpecInputs, 'command' | 'env' | 'volumes'> &
  Partial<
    Pick<
      SpecInputs,
      'network' | 'netnsPath' | 'etcFiles' | 'systemd' | 'notifyDir' | 'watchdogUsec' | 'listenFds' | 'cgroupsPath' | 'stopSignal'
    >
  > &
  Partial<ProcessOptions> &
  Partial<Pick<SpecInputs, 'tmpfs' | 'readOnly' | 'readOnlyTmpfs' | 'devices' | 'mask' | 'unmask' | 'secrets'>>;

/** The options about the container's process: each empty or undefined when not given. */
type ProcessOptions = Pick<
  SpecInputs,
  | 'entrypointOverride'
  | 'envHost'
  | 'envFile'
  | 'hostname'
  | 'workdir'
  | 'annotations'
  | 'ulimits'
  | 'noNewPrivileges'
  | 'pidsLimit'
  | 'memory'
  | 'shmSize'
  | 'timezone'
  | 'capAdd'
  | 'capDrop'
  | 'boundingSet'
  | 'seccomp'
  | 'sysctls'
>;

const NOT_GIVEN: Omit<ProcessOptions, 'boundingSet'> = { annotations: {}, ulimits: [], capAdd: [], capDrop: [], sysctls: {} };

interface SpecStep {
  readonly name: string;
  apply(spec: RuntimeSpec, inputs: SpecInputs): void;
}

export const SPEC_STEPS: readonly SpecStep[] = [
  { name: 'command', apply: applyCommand },
  { name: 'environment', apply: applyEnvironment },
  { name: 'hostname', apply: applyHostname },
  { name: 'working dir', apply: applyWorkingDir },
  { name: 'annotations', apply: applyAnnotations },
  { name: 'rlimits', apply: applyRlimits },
  { name: 'no new privileges', apply: applyNoNewPrivileges },
  { name: 'resources', apply: applyResources },
  { name: 'shm size', apply: applyShmSize },
  { name: 'timezone', apply: applyTimezone },
  { name: 'user', apply: applyUser },
  { name: 'additional groups', apply: applyAdditionalGroups },
  { name: 'capabilities', apply: applyCapabilities },
  { name: 'seccomp', apply: applySeccomp },
  { name: 'network', apply: applyNetwork },
  { name: 'sysctl', apply: applySysctl },
  { name: 'systemd mode', apply: applySystemdMode },
  { name: 'volumes', apply: applyVolumes },
  { name: 'tmpfs', apply: applyTmpfs },
  { name: 'read-only', apply: applyReadOnly },
  { name: 'devices', apply: applyDevices },
  { name: 'masked paths', apply: applyMaskedPaths },
  { name: 'secrets', apply: applySecrets },
  { name: 'listen fds', apply: applyListenFds },
  { name: 'watchdog', apply: applyWatchdog },
  { name: 'notify socket', apply: applyNotifySocket },
  { name: 'cgroups path', apply: applyCgroupsPath },
  { name: 'stop signal', apply: applyStopSignal },
];

/** The spec for the runtime; the base is not modified. */
export function buildSpec(base: BaseSpec, options: SpecOptions): RuntimeSpec {
  const { config, defaults, ...facts } = base;
  const inputs: SpecInputs = {
    boundingSet: ownBoundingSet,
    ...NOT_GIVEN,
    ...facts,
    ...options,
    envDefaults: defaults.env,
    network: options.network ?? defaults.network,
    systemd: options.systemd ?? defaults.systemd,
  };
  const spec: RuntimeSpec = { config: structuredClone(config), systemdMode: false };
  for (const step of SPEC_STEPS) step.apply(spec, inputs);
  return spec;
}
