// The runtime's config.json, built one way for every source: the source yields a base (a
// bundle's own config, or the one an image's config gives, with what it knows beside it), then
// one ordered chain of named steps applies the options, each step taking only what it needs. An
// option that changes config.json is an entry in the option table (config/monitor-options.ts)
// plus a step here. The order matters where steps meet: the systemd mode looks at the final
// command, HOME and container_uuid come after --env, volumes go over systemd's tmpfs mounts, a
// --tmpfs replaces a config mount at its path, --read-only's tmpfs go where nothing is mounted yet,
// secrets go over every tmpfs (/run), and what the host gives the container (sockets, watchdog,
// notify socket) comes last.
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
import { type VolumesInputs, applyVolumes } from './steps/volumes';
import { type WatchdogInputs, applyWatchdog } from './steps/watchdog';
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
  StopSignalInputs;

/** What a source yields: its config, and what it knows beside it. */
export interface BaseSpec extends Pick<SpecInputs, 'entrypoint' | 'noCommand' | 'user' | 'machineId' | 'ownStopSignal'> {
  config: OciConfig;
  /** What options not given mean for this source: an image's defaults (podman's); a bundle has none and keeps its config. */
  defaults: { env: string[]; network?: NetworkMode; systemd?: SystemdMode };
}

/** The options as the monitor gives them; network and systemd undefined: not given. */
export type SpecOptions = Pick<SpecInputs, 'command' | 'env' | 'volumes'> &
  Partial<Pick<SpecInputs, 'network' | 'systemd' | 'notifyDir' | 'watchdogUsec' | 'listenFds' | 'cgroupsPath' | 'stopSignal'>> &
  Partial<Pick<SpecInputs, 'tmpfs' | 'readOnly' | 'readOnlyTmpfs' | 'devices' | 'mask' | 'unmask' | 'secrets'>>;

interface SpecStep {
  readonly name: string;
  apply(spec: RuntimeSpec, inputs: SpecInputs): void;
}

export const SPEC_STEPS: readonly SpecStep[] = [
  { name: 'command', apply: applyCommand },
  { name: 'environment', apply: applyEnvironment },
  { name: 'user', apply: applyUser },
  { name: 'network', apply: applyNetwork },
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
